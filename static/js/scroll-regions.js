// A table too wide for the screen scrolls inside its wrapper. Keyboard users can scroll it
// only if the wrapper takes focus (WCAG 2.1.1), so a wrapper that really scrolls becomes a
// named, focusable region; one that fits stays out of the tab order.
function markScrollRegions() {
  for (const wrapper of document.querySelectorAll(".table-responsive:not([tabindex])")) {
    if (wrapper.scrollWidth <= wrapper.clientWidth) {
      continue;
    }
    const caption = wrapper.querySelector("caption");
    const heading = wrapper.previousElementSibling;
    wrapper.setAttribute("tabindex", "0");
    wrapper.setAttribute("role", "region");
    wrapper.setAttribute("aria-label", (caption || heading)?.textContent.trim() || document.title);
  }
}
document.addEventListener("DOMContentLoaded", markScrollRegions);
window.addEventListener("resize", markScrollRegions);
