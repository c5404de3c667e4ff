// Upload a file to the REST API from a console form: <form data-upload="<POST url>"
// data-csrf="..." data-done="<where to go after>" data-sending="..." data-failed="..."> with a file input named
// "file". The body streams to the server as multipart/form-data, so the CSRF token travels in
// the X-CSRF-Token header; a refusal's message is shown in the form's .form-error.

function done(target) {
  const here = window.location;
  if (target.pathname + target.search === here.pathname + here.search) {
    here.hash = target.hash;
    here.reload();
  } else {
    here.assign(target);
  }
}

async function upload(form) {
  const error = form.querySelector(".form-error");
  const button = form.querySelector("button[type=submit]");
  const label = button.textContent;
  error.hidden = true;
  button.disabled = true;
  button.textContent = form.dataset.sending;
  try {
    const response = await fetch(form.dataset.upload, {
      method: "POST",
      headers: { "X-CSRF-Token": form.dataset.csrf },
      body: new FormData(form),
      credentials: "same-origin",
    });
    if (response.ok) {
      done(new URL(form.dataset.done, window.location.href));
      return;
    }
    error.textContent = (await response.json()).error.message;
  } catch (failure) {
    console.warn("the upload failed", failure);
    error.textContent = form.dataset.failed;
  }
  error.hidden = false;
  button.disabled = false;
  button.textContent = label;
}

for (const form of document.querySelectorAll("form[data-upload]")) {
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    upload(form);
  });
}
