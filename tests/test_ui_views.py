"""The chat's HTML views without a browser: citation links, sources, highlighting, escaping, badges."""
from __future__ import annotations

import re

import pytest

from rag.answer import Answer
from rag.citations import Citation
from rag.documents import Skipped
from rag.errors import RagError
from rag.render import cited_passages, uncited_passages
from rag.retriever import Hit
from ui import views
from ui.app import index_info, parse_auth

DOC = "berita.txt"
P18 = Hit(DOC, 18, "Beijing mengumumkan bahwa Qin Gang telah dipromosikan menjadi menteri luar negeri.", 0.9)
P13 = Hit(DOC, 13, "Putin mengunjungi Xi di Beijing pada bulan Februari.", 0.5)
P2 = Hit(DOC, 2, "Pemimpin China membuat referensi terselubung.", 0.1)


def make_answer(text="Qin Gang dipromosikan menjadi menteri luar negeri [18].", citations=(Citation(DOC, 18),),
                passages=(P18, P13), retrieved=(P18, P13, P2), **kw) -> Answer:
    return Answer("Siapa menteri luar negeri?", text, tuple(citations), tuple(passages), tuple(retrieved),
                  lang="id", **kw)


def test_citation_becomes_link_to_its_source():
    html = views.answer_html(make_answer(), turn=3)
    link = re.search(r'<a class="rag-cite" href="#([^"]+)"[^>]*>\[18\]</a>', html)
    assert link, html
    assert link.group(1) == views.source_id(3, 0)
    sources = views.sources_html(make_answer(), turn=3)
    assert f'id="{link.group(1)}"' in sources  # the link's target exists in the panel


def test_multi_document_labels_link_to_the_right_paragraph():
    other = Hit("lain.txt", 18, "Paragraf lain dengan nomor yang sama.", 0.8)
    ans = make_answer(text="A [berita.txt ¶18]. B [lain.txt ¶18].",
                      citations=(Citation(DOC, 18), Citation("lain.txt", 18)),
                      passages=(P18, other), retrieved=(P18, other))
    html = views.answer_html(ans, turn=1)
    assert f'href="#{views.source_id(1, 0)}"' in html and f'href="#{views.source_id(1, 1)}"' in html
    assert ">[berita.txt ¶18]</a>" in html and ">[lain.txt ¶18]</a>" in html
    sources = views.sources_html(ans, turn=1)
    assert sources.index("berita.txt") < sources.index("lain.txt")
    assert "[lain.txt ¶18]" in sources


def test_label_that_is_not_a_citation_stays_text():
    ans = make_answer(text="Lihat [7] dan [18].")
    html = views.answer_html(ans, turn=1)
    assert html.count('class="rag-cite"') == 1
    assert "&#91;7&#93;" in html and ">[18]</a>" in html  # a plain "[7]", not Markdown


def test_sources_show_document_paragraph_text_and_marks_shared_words():
    html = views.sources_html(make_answer(), turn=1)
    cited = html.split('<details class="rag-retrieved">')[0]
    assert DOC in cited and "¶18" in cited
    assert "<mark>Qin</mark> <mark>Gang</mark>" in cited
    assert "<mark>menteri</mark>" in cited and "<mark>dipromosikan</mark>" in cited
    assert "<mark>bahwa</mark>" not in cited  # stop words are not highlighted
    assert "mengumumkan" in cited and "<mark>mengumumkan</mark>" not in cited  # not in the answer


def test_retrieved_but_not_cited_are_collapsed_separately():
    html = views.sources_html(make_answer(), turn=1)
    cited, _, rest = html.partition('<details class="rag-retrieved">')
    assert "Putin" not in cited and "Pemimpin" not in cited
    assert "open" not in rest.split(">")[0]  # collapsed
    assert "Retrieved but not cited (2)" in rest
    assert "¶13" in rest and "¶2" in rest and "¶18" not in rest
    assert [h.paragraph for h in uncited_passages(make_answer())] == [13, 2]
    assert [(c.paragraph, h.paragraph) for c, h in cited_passages(make_answer())] == [(18, 18)]


def test_document_and_model_text_is_escaped():
    evil = Hit("<img src=x onerror=alert(1)>.txt", 4, 'Qin <script>alert("x")</script> & <b>bold</b>', 0.9)
    ans = make_answer(text='Qin <script>alert(1)</script> [<img src=x onerror=alert(1)>.txt ¶4].',
                      citations=(Citation(evil.doc, 4),), passages=(evil, P13), retrieved=(evil, P13))
    ans.question = "<i>q</i>"
    for html in (views.answer_html(ans, 1), views.sources_html(ans, 1), views.question_html("<b>hi</b>"),
                 views.streaming_html("<script>x</script>"), views.error_html("<b>bad</b>"),
                 views.sources_panel([{"question": "<b>q</b>", "sources": ""}] * 2)):
        assert "<script" not in html and "<img" not in html and "<b>" not in html and "<i>" not in html
    assert "&lt;<mark>script</mark>&gt;" in views.sources_html(ans, 1)  # escaped, shared word marked
    assert "&amp;" in views.sources_html(ans, 1)


def test_unverified_badge_and_refusal_style():
    plain = views.answer_html(make_answer(), 1)
    assert "rag-badge" not in plain and "rag-refused" not in plain

    unverified = views.answer_html(make_answer(text="Qin Gang.", citations=(), verified=False), 1)
    assert "rag-unverified" in unverified and ">unverified</span>" in unverified
    assert "rag-refused" not in unverified
    assert "(unverified)" in views.sources_html(make_answer(text="Qin Gang.", citations=(), verified=False), 1)

    invented = views.answer_html(make_answer(text="Qin Gang, 1956.", verified=False, invented=("1956",)), 1)
    assert "rag-unverified" in invented and "not in the documents: 1956" in invented

    quoted = views.answer_html(make_answer(text="Bagian dokumen yang paling relevan: “Qin Gang.” [18]", quoted=True), 1)
    assert "rag-badge-quoted" in quoted and "rag-unverified" not in quoted and 'class="rag-cite"' in quoted
    assert "passage search found most relevant" in quoted
    lead = views.answer_html(make_answer(text="Vladimir Putin dan Xi Jinping berjanji. [1]", quoted=True, lookup="overview"), 1)
    assert "rag-badge-quoted" in lead and "opening paragraphs" in lead and "search found" not in lead

    refusal = make_answer(text="Informasi itu tidak ada dalam dokumen.", citations=(), refused=True, verified=True)
    html = views.answer_html(refusal, 1)
    assert 'class="rag-answer rag-refused"' in html and "rag-badge-refused" in html
    assert "rag-unverified" not in html
    panel = views.sources_html(refusal, 1)
    assert "No paragraph answers" in panel and "<mark>" not in panel
    assert "Retrieved but not cited (3)" in panel
    assert "no answer in the retrieved" in html
    withdrawn = make_answer(text="The documents do not say.", citations=(), refused=True, verified=True, support=0.3)
    assert "second reading" in views.answer_html(withdrawn, 1)


def test_streaming_and_retry_views():
    assert "rag-retry" not in views.streaming_html("Qin")
    assert views.RETRY_NOTE in views.streaming_html("", retried=True)
    assert "withdrawn, because &lt;why&gt;" in views.streaming_html("", retried="withdrawn, because <why>")
    assert "a<br>b" in views.plain_html("a\n\nb".replace("\n\n", "\n"))
    assert "\n" not in views.plain_html("a\n\nb")  # no blank line: Markdown keeps the HTML block


def test_long_question_is_cut_in_the_chat():
    shown = views.question_html("x" * 5000)
    assert len(shown) < 400 and "5,000 characters" in shown


def test_sources_panel_latest_first_earlier_collapsed():
    assert views.sources_panel([]) == views.EMPTY_SOURCES
    turns = [{"question": "first?", "sources": "<section>S1</section>"},
             {"question": "second?", "sources": "<section>S2</section>"}]
    html = views.sources_panel(turns)
    assert html.startswith("<section>S2</section>")
    assert '<details class="rag-earlier"><summary>Earlier: first?</summary><section>S1</section></details>' in html


def test_status_line(pipeline, settings):
    info = index_info(pipeline, settings)
    assert info["documents"] == 1 and info["paragraphs"] == 19
    assert info["embed_model"] == "fake-embedder" and info["llm"] == "FakeLLM"
    html = views.status_html(info)
    assert "1 document ·" in html and "19 paragraphs" in html and info["built_at"] in html
    assert "rebuilding" in views.status_html({**info, "note": "rebuilding"})
    assert "rag-status-error" in views.status_html({"error": "no index <here>"})
    assert "&lt;here&gt;" in views.status_html({"error": "no index <here>"})


def test_status_line_counts_one_paragraph_in_the_singular():
    html = views.status_html({**STATUS_INFO, "documents": 1, "paragraphs": 1})
    assert "Index: 1 document · 1 paragraph · built" in html


def test_status_line_without_index(settings, fake_embedder, fake_llm):
    from rag.pipeline import Pipeline

    info = index_info(Pipeline(settings, embedder=fake_embedder, llm=fake_llm), settings)
    assert "rag index" in info["error"]


def test_api_result_has_text_and_citations():
    r = views.api_result(make_answer())
    assert r["answer"].endswith("[18].")
    assert r["citations"] == [{"doc": DOC, "paragraph": 18, "text": P18.text}]
    assert r["refused"] is False and r["verified"] is True
    assert [x["paragraph"] for x in r["retrieved"]] == [18, 13, 2]


@pytest.mark.parametrize("value,expected", [(None, None), ("", None), ("  ", None), ("ann:s3cret", ("ann", "s3cret")),
                                            ("ann:pa:ss", ("ann", "pa:ss"))])
def test_parse_auth(value, expected):
    assert parse_auth(value) == expected


@pytest.mark.parametrize("value", ["ann", "ann:", ":pw"])
def test_parse_auth_rejects_malformed(value):
    with pytest.raises(RagError, match="user:password"):
        parse_auth(value)


def test_status_line_names_skipped_files(pipeline, settings):
    """A file dropped in that is not searched was named only in the server's log."""
    (settings.seeds / "latin1.txt").write_bytes("caf\xe9\n".encode("latin-1"))
    pipeline.ensure_index(progress=False)
    info = index_info(pipeline, settings)
    assert info["skipped"] == [Skipped("latin1.txt", "not UTF-8 text; save it as UTF-8 text")]
    html = views.status_html(info)
    assert "1 file skipped: latin1.txt (not UTF-8 text; save it as UTF-8 text)" in html  # one: its advice too
    (settings.seeds / "b<i>.txt").write_bytes(b"\x00")
    pipeline.ensure_index(progress=False)
    html = views.status_html(index_info(pipeline, settings))
    assert "2 files skipped: b&lt;i&gt;.txt (binary file), latin1.txt (not UTF-8 text)</span>" in html
    assert "<i>" not in html and "b&lt;i&gt;.txt: binary file; save it as UTF-8 text\nlatin1.txt: " in html


def test_skipped_files_come_as_name_and_reason_from_the_build_and_from_the_index(settings, fake_embedder):
    """Names and reasons are passed apart, not re-parsed from "name: reason" (a name may look like one)."""
    from rag.pipeline import Pipeline

    (settings.seeds / "a.txt: b.txt").write_bytes(b"\x00")
    pipeline = Pipeline(settings, embedder=fake_embedder, log=lambda m: None)
    pipeline.ensure_index(progress=False)
    expected = [Skipped("a.txt: b.txt", "binary file; save it as UTF-8 text")]
    assert pipeline.skipped == expected and index_info(pipeline, settings)["skipped"] == expected
    fresh = Pipeline(settings, embedder=fake_embedder, log=lambda m: None)  # no build: the index's manifest
    info = index_info(fresh, settings)
    assert fresh.skipped is None and info["skipped"] == expected
    assert "1 file skipped: a.txt: b.txt (binary file; save it as UTF-8 text)</span>" in views.status_html(info)


STATUS_INFO = {"documents": 2, "paragraphs": 9, "built_at": "2024-01-01 10:00", "embed_model": "e", "llm": "l"}


def test_status_line_names_up_to_three_skipped_files_and_counts_the_rest():
    skipped = [Skipped("a.txt", "binary file; save it as UTF-8 text"),
               Skipped("b.md", "12 MB is over the 10 MB limit; split it or raise RAG_MAX_FILE_MB"),
               Skipped("c: d.txt", "empty (no non-blank line); add text or remove it"),  # a name may hold ": "
               Skipped("sub/", "folder cannot be read ([Errno 13] Permission denied: 'x'); check its permissions"),
               Skipped("e.txt", "not UTF-8 text; save it as UTF-8 text")]
    html = views.status_html({**STATUS_INFO, "skipped": skipped})
    assert ("5 files skipped: a.txt (binary file), b.md (12 MB is over the 10 MB limit), c: d.txt (empty) "
            "and 2 more</span>") in html
    tooltip = chr(10).join(f"{s.name}: {s.reason}" for s in skipped)
    assert f'title="{views.esc(tooltip)}"' in html  # the tooltip has them all, in full
    shown = re.sub(r' title="[^"]*"', "", html)
    assert "\n" not in shown and "<br" not in shown  # one line
    html = views.status_html({**STATUS_INFO, "skipped": skipped[:3]})
    assert "3 files skipped: a.txt (binary file), b.md (12 MB is over the 10 MB limit), c: d.txt (empty)</span>" in html
    assert "more" not in html


def test_skipped_entry_shortens_and_escaping_is_left_to_the_caller():
    folder = Skipped("sub/", "folder cannot be read (x: y); check it")
    assert views.skipped_entry(folder, remedy=False) == "sub/ (folder cannot be read)"
    assert views.skipped_entry(folder) == "sub/ (folder cannot be read (x: y); check it)"
    assert views.skipped_entry(Skipped("?", "odd")) == "? (odd)"
    assert views.skipped_entry(Skipped("no reason", "")) == "no reason"
    long = views.skipped_entry(Skipped("n" * 100 + "<end>.txt", "binary file; save it as UTF-8 text"), remedy=False)
    assert long.endswith("n<end>.txt (binary file)") and len(long.split(" (")[0]) == views.MAX_NAME_SHOWN
    html = views.status_html({**STATUS_INFO, "skipped": [Skipped("<b>.txt", "binary file; save it as UTF-8 text")]})
    assert "&lt;b&gt;.txt (binary file; save it as UTF-8 text)" in html and "<b>" not in html


def test_the_open_page_learns_of_a_file_skipped_without_a_new_index(pipeline, settings):
    from ui.app import build_app

    app = build_app(pipeline, settings)
    load, tick = (next(f.fn for f in app.fns.values() if f.name == name) for name in ("refresh_status", "status_tick"))
    html, shown = load()
    assert "skipped" not in html and tick(shown)[1] == shown  # nothing new: the line stays
    (settings.seeds / "empty.txt").write_text("\n")
    pipeline.ensure_index(progress=False)  # what the chat's seeds watcher does
    html, key = tick(shown)
    assert key != shown and "1 file skipped: empty.txt (empty" in html and "documents changed" not in html


def test_the_open_page_learns_that_every_document_is_gone(pipeline, settings):
    """Every document deleted while the chat ran: the page still said "1 document", answering from it."""
    from rag.errors import NoDocuments
    from ui.app import build_app

    app = build_app(pipeline, settings)
    load, tick = (next(f.fn for f in app.fns.values() if f.name == name) for name in ("refresh_status", "status_tick"))
    _, shown = load()
    for doc in settings.seeds.iterdir():
        doc.unlink()
    with pytest.raises(NoDocuments, match="no readable"):
        pipeline.ensure_index(progress=False)  # what the chat's seeds watcher does
    html, key = tick(shown)
    assert key != shown and "rag-status-error" in html and "Index: no readable .txt or .md documents" in html
    assert "no question is answered until the seeds folder has documents again" in html
    assert "answers still come from this index" not in html and "1 document" not in html
    assert tick(key)[1] == key  # said once
    (settings.seeds / "baru.txt").write_text("Paragraf baru.\n", encoding="utf-8")
    pipeline.ensure_index(progress=False)
    html, _ = tick(key)
    assert "not updated" not in html and "no question is answered" not in html and "1 document" in html
    assert "answers now come from them" in html


def test_the_open_page_says_the_old_index_still_answers_after_another_failed_build(pipeline, settings, monkeypatch):
    import rag.indexer
    from ui.app import build_app

    def full_disk(index_dir, store):
        raise RagError(f"could not write the index to {index_dir} (disk full); the previous index is unchanged")

    app = build_app(pipeline, settings)
    load, tick = (next(f.fn for f in app.fns.values() if f.name == name) for name in ("refresh_status", "status_tick"))
    _, shown = load()
    monkeypatch.setattr(rag.indexer, "publish", full_disk)
    (settings.seeds / "baru.txt").write_text("Paragraf baru.\n", encoding="utf-8")
    with pytest.raises(RagError, match="disk full"):
        pipeline.ensure_index(progress=False)
    html, _ = tick(shown)
    assert "not updated: could not write the index" in html and "answers still come from this index" in html
    assert "1 document ·" in html and "rag-status-error" not in html
