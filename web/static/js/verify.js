// The verification form sends its CSRF token in the X-CSRF-Token header, so that the server
// can stream a large PDF instead of reading the form whole; the answer's <main> replaces
// this page's. Without this script the form posts as usual (small files only).

async function submit(event) {
  event.preventDefault();
  const form = event.currentTarget;
  const busy = document.getElementById("verify-busy");
  const button = form.querySelector("button[type=submit]");
  busy.hidden = false;
  button.disabled = true;
  try {
    const response = await fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { "X-CSRF-Token": form.elements.csrf_token.value },
      credentials: "same-origin",
    });
    const page = new DOMParser().parseFromString(await response.text(), "text/html");
    const main = page.querySelector("main");
    if (main === null) throw new Error(`no page in the answer (${response.status})`);
    document.querySelector("main").replaceWith(main);
    bind();
  } catch (error) {
    console.error("verification failed", error);
    busy.hidden = true;
    button.disabled = false;
  }
}

function bind() {
  const form = document.getElementById("verify-form");
  if (form !== null) form.addEventListener("submit", submit);
}

bind();
