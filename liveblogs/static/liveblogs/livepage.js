/* Live page enhancements over the server-rendered page; everything works without this file.
   - Share: the Web Share API where the device has it, else copy the permalink.
   - "Show older updates": load the next batch in place instead of a new page. */
(function () {
  "use strict";

  function absolute(href) {
    return new URL(href, window.location.href).href;
  }

  function say(link, text) {
    var status = link.parentNode.querySelector(".share-status");
    if (status) {
      status.textContent = text;
      window.setTimeout(function () { status.textContent = ""; }, 4000);
    }
  }

  function copy(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    // Older browsers and plain-http pages: a hidden textarea and the copy command.
    return new Promise(function (resolve, reject) {
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.style.position = "absolute";
      area.style.left = "-9999px";
      document.body.appendChild(area);
      area.select();
      var ok = document.execCommand("copy");
      document.body.removeChild(area);
      if (ok) { resolve(); } else { reject(new Error("copy failed")); }
    });
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest("a.share");
    if (!link) { return; }
    event.preventDefault();
    var url = absolute(link.getAttribute("href"));
    if (navigator.share) {
      navigator.share({ title: link.dataset.title, url: url }).catch(function () {});
      return;
    }
    copy(url).then(
      function () { say(link, "Link copied"); },
      function () { window.location.href = url; }
    );
  });

  document.addEventListener("click", function (event) {
    var more = event.target.closest(".show-older a");
    if (!more) { return; }
    event.preventDefault();
    var holder = more.parentNode;
    more.textContent = "Loading…";
    more.setAttribute("aria-busy", "true");
    fetch(more.href, { headers: { Accept: "text/html" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(response.status); }
        return response.text();
      })
      .then(function (html) {
        var next = new DOMParser().parseFromString(html, "text/html");
        var stream = document.querySelector(".update-stream");
        var incoming = next.querySelector(".update-stream");
        var lastDay = stream.querySelectorAll(".day-heading");
        lastDay = lastDay.length ? lastDay[lastDay.length - 1].textContent : null;
        var first = null;
        Array.prototype.slice.call(incoming.children).forEach(function (node) {
          // The next batch may continue the day the current one ended on.
          if (node.classList.contains("day-heading") && node.textContent === lastDay && !first) {
            return;
          }
          var adopted = document.importNode(node, true);
          stream.appendChild(adopted);
          if (!first && adopted.matches("article")) { first = adopted; }
        });
        var nextMore = next.querySelector(".show-older");
        if (nextMore) {
          holder.replaceWith(document.importNode(nextMore, true));
        } else {
          holder.remove();
        }
        // Keyboard and screen-reader users continue where the new updates begin.
        if (first) {
          var heading = first.querySelector(".update-headline");
          heading.setAttribute("tabindex", "-1");
          heading.focus();
        }
      })
      .catch(function () {
        // Fall back to the plain link: a full page load always works.
        window.location.href = more.href;
      });
  });
})();
