// Province → library picker. Without JavaScript the "show libraries" button re-renders the form for
// the chosen province; with it, the library list is filtered at once and the button is hidden.
(function () {
  "use strict";
  var province = document.getElementById("id_province");
  var library = document.getElementById("id_library");
  var dataNode = document.getElementById("library-data");
  var button = document.getElementById("pick-province");
  if (!province || !library || !dataNode) return;
  var all = JSON.parse(dataNode.textContent);  // [[id, name, province], ...]
  var placeholder = library.querySelector("option[value='']");
  var placeholderText = placeholder ? placeholder.textContent : "";
  function fill() {
    var chosen = province.value;
    var selected = library.value;
    while (library.firstChild) library.removeChild(library.firstChild);
    var empty = document.createElement("option");
    empty.value = "";
    empty.textContent = placeholderText;
    library.appendChild(empty);
    var groups = {};
    var order = [];
    all.forEach(function (row) {
      if (chosen && row[2] !== chosen) return;
      if (!groups[row[2]]) { groups[row[2]] = document.createElement("optgroup"); groups[row[2]].label = row[2]; order.push(row[2]); }
      var option = document.createElement("option");
      option.value = String(row[0]);
      option.textContent = row[1];
      if (option.value === selected) option.selected = true;
      groups[row[2]].appendChild(option);
    });
    order.forEach(function (name) { library.appendChild(groups[name]); });
  }
  if (button) button.hidden = true;
  province.addEventListener("change", fill);
})();
