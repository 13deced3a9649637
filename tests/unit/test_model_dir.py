"""The bundled embedding model's folder is assembled safely by processes starting together."""

import multiprocessing
from pathlib import Path

from support_embeddings.model_dir import ONNX_SHA256, assemble_model_dir


def test_processes_assembling_at_once_all_get_the_complete_folder(tmp_path: Path) -> None:
    target = tmp_path / "models" / "minilm"
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        folders = pool.map(assemble_model_dir, [target] * 4)
    assert folders == [target] * 4
    assert (target / "model.sha256").read_text() == ONNX_SHA256
    assert {p.name for p in target.iterdir()} == {
        "model.onnx",
        "tokenizer.json",
        "tokenizer_config.json",
        "special_tokens_map.json",
        "config.json",
        "model.sha256",
    }
    assert [p.name for p in target.parent.iterdir()] == ["minilm"]  # no staging left behind


def test_a_half_built_folder_is_replaced(tmp_path: Path) -> None:
    target = tmp_path / "minilm"
    target.mkdir()
    (target / "model.onnx").write_bytes(b"truncated")
    assemble_model_dir(target)
    assert (target / "model.sha256").read_text() == ONNX_SHA256
    assert (target / "model.onnx").stat().st_size > 1000
