"""Faults of the configuration: RAG_EMBED_MODEL / RAG_LLM_MODEL naming nothing usable, a hub id
offline, RAG_HOME that is not a folder, and what `rag models` shows for each.

The promise under test: one line naming the setting and what to do, at once (no Hugging Face
retries, warnings or tracebacks), and `rag models` shows each problem instead of looking fine.
No model is loaded: the Hugging Face calls are replaced where they would reach the network."""
from __future__ import annotations

import time
from pathlib import Path

import huggingface_hub
import huggingface_hub.constants as hf_constants
import pytest
from click.testing import CliRunner

import rag.models as models
import rag.packaged as packaged
from rag.errors import ModelMissing

HUB_ID = "sentence-transformers/not-cached-here"


@pytest.fixture
def no_network(monkeypatch):
    """Fail the test if anything asks the Hugging Face hub."""
    def refuse(*args, **kwargs):
        pytest.fail("the hub must not be asked")

    monkeypatch.setattr(huggingface_hub, "model_info", refuse)
    monkeypatch.setattr(models, "_hub_checked", set())


@pytest.fixture
def hf_cache(tmp_path, monkeypatch):
    """An empty local Hugging Face cache; `add(name)` puts a model snapshot in it."""
    cache = tmp_path / "hf"
    cache.mkdir()
    monkeypatch.setattr(hf_constants, "HF_HUB_CACHE", str(cache))

    def add(name: str) -> Path:
        repo = cache / f"models--{name.replace('/', '--')}"
        snapshot = repo / "snapshots" / "0123abcd"
        snapshot.mkdir(parents=True)
        (repo / "refs").mkdir()
        (repo / "refs" / "main").write_text("0123abcd")
        (snapshot / "config.json").write_text("{}")
        (snapshot / "modules.json").write_text("[]")
        return snapshot

    return add


@pytest.mark.parametrize("name", ["sentence-transformers/all-MiniLM-L6-v2", "all-MiniLM-L6-v2", "BAAI/bge-m3",
                                  "owner/model_1.5"])
def test_hub_ids_are_recognised(name):
    assert models.is_hub_id(name)


@pytest.mark.parametrize("name", ["/nonexistent_dir", "/x/y", "./m", "../m", "~/m", "~", "a/b/c", "m/", ".",
                                  "..", "owner/../m", "-m", "with space", "C:\\models\\m"])
def test_paths_are_not_hub_ids(name):
    assert not models.is_hub_id(name)


@pytest.mark.parametrize("name", ["/nonexistent_dir", "./no-such-model", "~/no-such-model", "a/b/no-such-model",
                                  "~nosuchuser/m"])
def test_embedding_path_that_does_not_exist_is_one_line_without_the_hub(settings, no_network, name):
    with pytest.raises(ModelMissing) as err:
        models.embed_location(settings.replace(embed_model=name))
    message = str(err.value)
    assert "does not exist" in message and f"RAG_EMBED_MODEL={name}" in message and "\n" not in message


def test_embedding_path_that_is_a_file_says_so(settings, tmp_path, no_network):
    (tmp_path / "model.bin").write_bytes(b"x")
    with pytest.raises(ModelMissing, match="is a file, not a folder; set RAG_EMBED_MODEL"):
        models.embed_location(settings.replace(embed_model=str(tmp_path / "model.bin")))


def test_hub_id_offline_and_not_cached_fails_at_once(settings, hf_cache, no_network):
    start = time.perf_counter()
    with pytest.raises(ModelMissing, match="not in the local Hugging Face cache and HF_HUB_OFFLINE is set; set RAG_EMBED_MODEL"):
        models.embed_location(settings.replace(embed_model=HUB_ID))
    assert time.perf_counter() - start < 2


def test_hub_id_in_the_local_cache_loads_from_there_without_the_network(settings, hf_cache, no_network):
    snapshot = hf_cache(HUB_ID)
    model_id, location = models.embed_location(settings.replace(embed_model=HUB_ID))
    assert model_id == HUB_ID  # what indexes record, as before
    assert Path(location) == snapshot


@pytest.mark.parametrize("failure, says", [
    (ConnectionError("[Errno -2] Name or service not known"), r"the hub cannot be reached \(ConnectionError\); connect"),
    ("missing", "is neither a folder nor a model on the Hugging Face hub"),
])
def test_hub_id_online_but_unreachable_or_unknown_is_one_line(settings, hf_cache, monkeypatch, failure, says):
    from huggingface_hub.errors import RepositoryNotFoundError

    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setattr(models, "_hub_checked", set())
    asked = []

    def model_info(name, timeout=None):
        asked.append((name, timeout))
        if failure == "missing":  # as the hub answers 404 (built without an HTTP response)
            missing = RepositoryNotFoundError.__new__(RepositoryNotFoundError)
            Exception.__init__(missing, "404 Client Error: Repository Not Found")
            raise missing
        raise failure

    monkeypatch.setattr(huggingface_hub, "model_info", model_info)
    with pytest.raises(ModelMissing, match=says):
        models.embed_location(settings.replace(embed_model=HUB_ID))
    assert asked == [(HUB_ID, 10)]  # asked once, with a timeout: no minute of retries


def test_hub_id_the_hub_has_is_downloaded_on_first_use(settings, hf_cache, monkeypatch):
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setattr(models, "_hub_checked", set())
    asked = []
    monkeypatch.setattr(huggingface_hub, "model_info", lambda name, timeout=None: asked.append(name))
    s = settings.replace(embed_model=HUB_ID)
    assert models.embed_location(s) == (HUB_ID, HUB_ID) == models.embed_location(s)
    assert asked == [HUB_ID]  # once per process


@pytest.mark.parametrize("kind", ["missing", "folder", "not gguf"])
def test_llm_path_that_cannot_be_used_is_one_line(settings, tmp_path, kind):
    path = {"missing": tmp_path / "x.gguf", "folder": tmp_path, "not gguf": tmp_path / "model.gguf"}[kind]
    (tmp_path / "model.gguf").write_bytes(b"PK\x03\x04 not a model")
    says = {"missing": "does not exist; set RAG_LLM_MODEL", "folder": "is a folder, not a .gguf file",
            "not gguf": "is not a GGUF file; set RAG_LLM_MODEL"}[kind]
    with pytest.raises(ModelMissing, match=says):
        models.llm_path(settings.replace(llm_model=str(path)))


def test_rag_home_that_is_a_file_says_it_is_not_a_folder(settings, tmp_path, monkeypatch):
    home = tmp_path / "passwd"
    home.write_text("root:x:0:0::/root:/bin/sh\n")
    monkeypatch.setattr(packaged, "part_files", lambda: pytest.fail("nothing is assembled"))
    for s in (settings.replace(home=home), settings.replace(home=home / "sub")):
        with pytest.raises(ModelMissing) as err:
            models.llm_path(s, progress=False)
        assert f"RAG_HOME={s.home}" in str(err.value) and f"{home} is not a folder" in str(err.value)
        assert "free disk space" not in str(err.value)
    with pytest.raises(ModelMissing, match=f"{home} is not a folder; set RAG_HOME"):  # the assembler alone too
        packaged.assemble_gguf(home / "models", progress=False)


def test_folder_problem(tmp_path):
    (tmp_path / "file").write_text("x")
    assert packaged.folder_problem(tmp_path / "new" / "deeper") == ""
    assert packaged.folder_problem(tmp_path / "file") == f"{tmp_path / 'file'} is not a folder"
    assert packaged.folder_problem(tmp_path / "file" / "models") == f"{tmp_path / 'file'} is not a folder"


def rag_models(monkeypatch, **env: str) -> list[str]:
    """`rag models`' lines; it exits 1, with a last line naming them, exactly when some are marked unusable."""
    from rag.cli import cli

    for var, value in env.items():
        monkeypatch.setenv(var, value)
    result = CliRunner().invoke(cli, ["models"])
    lines = result.output.splitlines()
    marked = [line.split(":", 1)[0].strip() for line in lines
              if any(m in line for m in ("MISSING:", "[UNUSABLE:", "[NOT WRITABLE:")) and not line.startswith("Error:")]
    assert "Traceback" not in result.output and result.exit_code == (1 if marked else 0), result.output
    if marked:
        assert lines[-1] == f"Error: {', '.join(marked)}: cannot be used as set; fix what is marked above", lines
    return lines


def test_rag_models_shows_each_unusable_setting(monkeypatch, tmp_path, no_network):
    (tmp_path / "home").write_text("not a folder")
    lines = rag_models(monkeypatch, RAG_EMBED_MODEL="/nonexistent_dir", RAG_LLM_MODEL=str(tmp_path / "x.gguf"),
                       RAG_HOME=str(tmp_path / "home"))
    shown = {line.split(":", 1)[0].strip(): line.split(":", 1)[1].strip() for line in lines}
    assert shown["embedding model"].startswith("MISSING: RAG_EMBED_MODEL=/nonexistent_dir: the folder /nonexistent_dir does not exist")
    assert shown["LLM location"] == (f"MISSING: RAG_LLM_MODEL={tmp_path / 'x.gguf'} does not exist; "
                                     "set RAG_LLM_MODEL to a .gguf file or unset it for the bundled model")
    assert shown["RAG_HOME"].startswith(f"{tmp_path / 'home'} [UNUSABLE: {tmp_path / 'home'} is not a folder")


def test_rag_models_shows_a_bundled_llm_that_cannot_be_assembled(monkeypatch, tmp_path, no_network):
    (tmp_path / "home").write_text("not a folder")
    lines = rag_models(monkeypatch, RAG_EMBED_MODEL=HUB_ID, RAG_HOME=str(tmp_path / "home"))
    assert any("embedding model: MISSING:" in line and "HF_HUB_OFFLINE" in line for line in lines)
    assert any("LLM location:" in line and "[MISSING: cannot be assembled" in line for line in lines)


def test_rag_models_with_usable_settings_shows_no_problem(monkeypatch, tmp_path, no_network):
    lines = rag_models(monkeypatch, RAG_EMBED_MODEL=str(tmp_path), RAG_HOME=str(tmp_path / "home"))
    # tmp_path holds no model: the folder itself is reported, the rest is fine
    assert any("is a folder without a sentence-transformers model" in line for line in lines)
    (tmp_path / "config.json").write_text("{}")
    lines = rag_models(monkeypatch, RAG_EMBED_MODEL=str(tmp_path), RAG_HOME=str(tmp_path / "home"))
    assert not any("MISSING" in line or "UNUSABLE" in line for line in lines), lines
    assert any(line.strip() == f"RAG_HOME: {tmp_path / 'home'}" for line in lines)



def test_rag_models_shows_a_rag_home_it_cannot_write(monkeypatch, tmp_path, no_network):
    monkeypatch.setattr(models, "folder_problem", lambda folder: f"{folder} is not writable")  # as root, os.access says yes
    lines = rag_models(monkeypatch, RAG_HOME=str(tmp_path))
    assert any(line.strip() == f"RAG_HOME: {tmp_path} [NOT WRITABLE: {tmp_path} is not writable; set RAG_HOME to a "
               "writable folder]" for line in lines), lines
    assert any("[MISSING: cannot be assembled" in line for line in lines)
