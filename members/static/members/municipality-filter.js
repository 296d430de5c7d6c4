// Show only the chosen county's municipalities. Without this script the list is grouped
// by county and the server checks the pair, so the form works without JavaScript.
(function () {
  "use strict";
  document.querySelectorAll("select[data-filter-by]").forEach(function (select) {
    var county = document.getElementById(select.dataset.filterBy);
    if (!county) {
      return;
    }
    function refresh() {
      var chosen = county.selectedIndex > 0 ? county.options[county.selectedIndex].text : "";
      select.querySelectorAll("optgroup").forEach(function (group) {
        var show = !chosen || group.label === chosen;
        group.hidden = !show;
        group.disabled = !show;
      });
      var current = select.options[select.selectedIndex];
      if (current && current.parentElement.disabled) {
        select.value = "";
      }
    }
    county.addEventListener("change", refresh);
    refresh();
  });
})();
