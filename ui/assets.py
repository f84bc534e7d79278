"""Static look of the chat: theme (system fonts only: the app works offline), CSS, and a small script."""
from __future__ import annotations

CSS = """
.rag-status { font-size: 0.85em; opacity: 0.85; }
.rag-status-error, .rag-status-problem { color: #b91c1c; }
.rag-answer { line-height: 1.5; }
.rag-cite { font-weight: 600; text-decoration: none; color: #1d4ed8; cursor: pointer; white-space: nowrap; }
.rag-cite:hover { text-decoration: underline; }
.rag-badge { display: inline-block; font-size: 0.75em; font-weight: 700; padding: 0 0.5em; margin-right: 0.3em;
             border-radius: 0.6em; vertical-align: 0.1em; text-transform: uppercase; letter-spacing: 0.03em; }
.rag-badge-unverified { background: #fef3c7; color: #92400e; border: 1px solid #f59e0b; }
.rag-badge-quoted { background: #e0f2fe; color: #075985; border: 1px solid #38bdf8; }
.rag-badge-refused { background: #e5e7eb; color: #374151; border: 1px solid #9ca3af; }
.rag-badge-error { background: #fee2e2; color: #991b1b; border: 1px solid #ef4444; }
.rag-refused { font-style: italic; color: #4b5563; }
.rag-error { color: #991b1b; }
.rag-retry { font-size: 0.8em; color: #92400e; font-style: italic; }
.rag-cursor { opacity: 0.6; }
#rag-sources { max-height: 640px; overflow-y: auto; }
.rag-sources { font-size: 0.92em; }
.rag-sources-question { font-weight: 600; margin-bottom: 0.4em; }
.rag-sources ol, .rag-sources ul { padding-left: 0; list-style: none; margin: 0; }
.rag-source { border-left: 3px solid #1d4ed8; padding: 0.3em 0.6em; margin: 0.4em 0; border-radius: 0.2em; }
.rag-retrieved .rag-source { border-left-color: #9ca3af; }
.rag-source-head { font-size: 0.85em; opacity: 0.8; }
.rag-source-label { font-weight: 700; color: #1d4ed8; }
.rag-source-text { margin: 0.2em 0 0 0; }
.rag-source mark { background: #fde68a; color: inherit; padding: 0 0.1em; border-radius: 0.15em; }
.rag-source.rag-flash { background: rgba(253, 230, 138, 0.45); transition: background 0.3s; }
.rag-none, .rag-sources-empty { opacity: 0.7; font-style: italic; }
.rag-retrieved, .rag-earlier { margin-top: 0.6em; }
.rag-earlier .rag-sources-question { display: none; }
.rag-retrieved summary, .rag-earlier summary { cursor: pointer; opacity: 0.8; }
/* The chat's label and its clear/copy buttons float over the top of the chat: the messages scroll in
   the area below them (Gradio's .bubble-wrap), so no message, first or scrolled, goes under them. */
#rag-chat .bubble-wrap { margin-top: 2.5rem; height: calc(100% - 2.5rem); padding-top: 0; }
"""

# Citation links scroll the sources panel to their paragraph (opening collapsed sections) instead of
# following the link, which the chat's Markdown renderer may point at a new tab.
HEAD = """
<script>
document.addEventListener("click", function (ev) {
  var a = ev.target && ev.target.closest ? ev.target.closest("a.rag-cite") : null;
  if (!a) return;
  ev.preventDefault();
  ev.stopPropagation();
  var id = (a.getAttribute("href") || "").replace(/^#/, "");
  var el = document.getElementById(id);
  if (!el) return;
  for (var d = el.parentElement; d; d = d.parentElement) {
    if (d.tagName === "DETAILS") d.open = true;
  }
  el.scrollIntoView({behavior: "smooth", block: "center"});
  el.classList.add("rag-flash");
  setTimeout(function () { el.classList.remove("rag-flash"); }, 1600);
}, true);
</script>
"""


def theme():
    import gradio as gr

    return gr.themes.Soft(
        font=["ui-sans-serif", "system-ui", "sans-serif"],
        font_mono=["ui-monospace", "monospace"],
    )
