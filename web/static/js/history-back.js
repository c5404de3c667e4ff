// The error page's "Back to the form": the browser's Back, which keeps what was typed.
for (const link of document.querySelectorAll("[data-history-back]")) {
  link.addEventListener("click", (event) => {
    event.preventDefault();
    history.back();
  });
}
