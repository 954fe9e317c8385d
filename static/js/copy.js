// The one-time password page: Copy buttons (button[data-copy="#id"]) and a Download .csv
// button (button[data-csv-download="file name"]) that builds the file here in the page from
// the [data-csv-column] cells: the server never serves the secret a second time.
// Without JavaScript the buttons stay hidden and the values can be selected by hand.
(function () {
  "use strict";

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    try {
      document.execCommand("copy");
    } finally {
      document.body.removeChild(area);
    }
    return Promise.resolve();
  }

  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var source = document.querySelector(button.getAttribute("data-copy"));
    if (!source) return;
    var label = button.textContent;
    button.hidden = false;
    button.addEventListener("click", function () {
      copyText(source.textContent).then(function () {
        button.textContent = button.getAttribute("data-copied") || label;
        window.setTimeout(function () { button.textContent = label; }, 2000);
      });
    });
  });

  // A cell a spreadsheet would run as a formula (= + - @, or a tab or carriage return
  // first) is prefixed with an apostrophe; every cell is quoted.
  function csvCell(value) {
    if (/^[=+\-@\t\r]/.test(value)) value = "'" + value;
    return '"' + value.replace(/"/g, '""') + '"';
  }

  document.querySelectorAll("button[data-csv-download]").forEach(function (button) {
    var cells = document.querySelectorAll("[data-csv-column]");
    if (!cells.length) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      var header = [], row = [];
      cells.forEach(function (cell) {
        header.push(csvCell(cell.getAttribute("data-csv-column")));
        row.push(csvCell(cell.textContent));
      });
      var blob = new Blob([header.join(",") + "\r\n" + row.join(",") + "\r\n"], {
        type: "text/csv;charset=utf-8",
      });
      var link = document.createElement("a");
      link.href = URL.createObjectURL(blob);
      link.download = button.getAttribute("data-csv-download");
      document.body.appendChild(link);
      link.click();
      document.body.removeChild(link);
      window.setTimeout(function () { URL.revokeObjectURL(link.href); }, 1000);
    });
  });
})();
