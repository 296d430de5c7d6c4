// The GOV.UK error summary: announce it and move focus to it when the page loads, and let
// each of its links put the cursor in the input it names (not only scroll to it).
document.addEventListener("DOMContentLoaded", () => {
  const summary = document.querySelector("[data-error-summary]");
  if (!summary) {
    return;
  }
  summary.focus();
  summary.addEventListener("click", (event) => {
    const link = event.target.closest("a[href^='#']");
    const input = link && document.getElementById(link.getAttribute("href").slice(1));
    if (!input) {
      return;
    }
    event.preventDefault();
    const label = document.querySelector(`label[for='${input.id}']`);
    const legend = input.closest("fieldset")?.querySelector("legend");
    (legend || label || input).scrollIntoView();
    input.focus({ preventScroll: true });
  });
});
