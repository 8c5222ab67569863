// Clientbook console: the few live parts. No inline script (the CSP allows none).
"use strict";
(function () {
  const csrf = () => (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  const headers = () => ({ "X-CSRF-Token": csrf(), "X-Console-Fetch": "1" });

  // Search as you type: the list's form answers with only its results.
  document.querySelectorAll("form[data-live-search]").forEach((form) => {
    const target = document.querySelector(form.dataset.liveSearch);
    let timer = null, latest = 0;
    const run = () => {
      const params = new URLSearchParams(new FormData(form));
      for (const [key, value] of [...params]) if (!value) params.delete(key);
      const url = form.action + (params.toString() ? "?" + params : "");
      const ticket = ++latest;
      fetch(url, { headers: headers(), credentials: "same-origin" })
        .then((r) => (r.redirected || r.status === 401 ? (location.href = url, null) : r.text()))
        .then((html) => {
          if (html === null || ticket !== latest) return;
          target.innerHTML = html;
          history.replaceState(null, "", url);
        });
    };
    form.addEventListener("input", (e) => {
      clearTimeout(timer);
      timer = setTimeout(run, e.target.type === "search" ? 150 : 0);
    });
    form.addEventListener("submit", (e) => { e.preventDefault(); run(); });
    // Enter in the search box opens the first customer found.
    const box = form.querySelector('input[type="search"]');
    if (box) box.addEventListener("keydown", (e) => {
      if (e.key === "Enter") {
        const first = target.querySelector("a.row-link");
        if (first) { e.preventDefault(); location.href = first.href; }
      }
    });
  });

  // Confirm before a destructive action.
  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (e) => { if (!confirm(form.dataset.confirm)) e.preventDefault(); });
  });

  // Files: drop on the zone, or pick; uploaded at once.
  document.querySelectorAll("form[data-dropzone]").forEach((form) => {
    const input = form.querySelector('input[type="file"]');
    const error = form.querySelector(".error");
    const send = (files) => {
      const body = new FormData();
      body.append("csrf_token", csrf());
      for (const file of files) body.append(input.name, file, file.name);
      form.classList.add("over");
      fetch(form.action, { method: "POST", body, headers: headers(), credentials: "same-origin" })
        .then(async (r) => {
          form.classList.remove("over");
          if (r.ok) { location.hash = "files"; location.reload(); return; }
          const answer = await r.json().catch(() => ({ message: "The upload failed" }));
          error.textContent = answer.message; error.hidden = false;
          input.setAttribute("aria-invalid", "true");
        });
    };
    ["dragenter", "dragover"].forEach((name) => form.addEventListener(name, (e) => { e.preventDefault(); form.classList.add("over"); }));
    form.addEventListener("dragleave", () => form.classList.remove("over"));
    form.addEventListener("drop", (e) => { e.preventDefault(); form.classList.remove("over"); send(e.dataTransfer.files); });
    input.addEventListener("change", () => { if (input.files.length) send(input.files); });
    form.addEventListener("submit", (e) => { e.preventDefault(); if (input.files.length) send(input.files); });
  });

  // Preview an image or a PDF in the page.
  const preview = document.getElementById("preview");
  document.querySelectorAll("a[data-preview]").forEach((link) => {
    link.addEventListener("click", (e) => {
      if (!preview) return;
      e.preventDefault();
      preview.replaceChildren();
      const view = document.createElement(link.dataset.preview === "pdf" ? "iframe" : "img");
      view.src = link.href;
      if (view.tagName === "IMG") view.alt = link.textContent.trim() || "Preview";
      else view.title = "PDF preview";
      preview.append(view);
      preview.hidden = false;
      preview.scrollIntoView({ block: "nearest" });
    });
  });

  // Import: send the file, draw the progress the server streams, offer the failures.
  document.querySelectorAll("form[data-import]").forEach((form) => {
    const box = document.getElementById("import-progress");
    const bar = document.getElementById("import-bar");
    const status = document.getElementById("import-status");
    const report = document.getElementById("import-report");
    const error = form.querySelector(".error");
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const file = form.querySelector('input[type="file"]').files[0];
      if (!file) { error.textContent = "Choose a file first"; error.hidden = false; return; }
      error.hidden = true; report.hidden = true; box.hidden = false;
      const text = await file.text();
      let total = text.split("\n").filter((line) => line.trim()).length;
      if (file.name.toLowerCase().endsWith(".csv")) total -= 1;
      bar.max = Math.max(total, 1); bar.value = 0;
      status.textContent = "Importing…";
      const body = new FormData(form);
      const mode = body.get("mode") || "skip";
      const answer = await fetch(form.action + "?mode=" + encodeURIComponent(mode), {
        method: "POST", body, headers: headers(), credentials: "same-origin",
      });
      if (!answer.ok) {
        const page = new DOMParser().parseFromString(await answer.text(), "text/html");
        const detail = page.querySelector("[role=alert]");
        error.textContent = detail ? detail.textContent : "The import was refused";
        error.hidden = false; box.hidden = true; return;
      }
      const failed = [];
      const reader = answer.body.getReader();
      const decoder = new TextDecoder();
      let buffered = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffered += decoder.decode(value, { stream: true });
        const lines = buffered.split("\n");
        buffered = lines.pop();
        for (const line of lines) {
          if (!line.trim()) continue;
          const item = JSON.parse(line);
          if (item.summary) {
            const s = item.summary;
            bar.value = bar.max;
            status.textContent = `Finished: ${s.rows} rows · ${s.created} created · ${s.updated} updated · ${s.skipped} skipped · ${s.errors} failed` + (item.error ? ` · stopped: ${item.error}` : "");
            status.dataset.finished = "1";
          } else {
            failed.push(...item.failed);
            bar.value = Math.min(item.done, bar.max);
            status.textContent = `${item.done} of about ${total} rows…`;
          }
        }
      }
      if (failed.length) {
        const quote = (v) => '"' + String(v).replace(/"/g, '""') + '"';
        const csv = ["row,identifier,message", ...failed.map((f) => [f.row, quote(f.identifier), quote(f.message)].join(","))].join("\n");
        report.href = URL.createObjectURL(new Blob([csv], { type: "text/csv" }));
        report.hidden = false;
      }
    });
  });
})();
