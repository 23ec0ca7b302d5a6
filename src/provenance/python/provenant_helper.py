"""provenant's runtime helper: what the model loader attests, and what a trainer refuses.

Written into a project by ``provenant init --python-helper``; pure standard library (Python 3.8+), so it
imports anywhere the research code runs. Two halves:

Attesting (call from the sanctioned loader). ``provenant run`` sets ``PROVENANT_ATTEST`` to a file; every
call here appends one JSON line to it, and the facts land in the stamps of the run's outputs:

    from provenant_helper import attest_model, attest_tokenizer, attest_sentinel

    attest_model("Qwen/Qwen2.5-32B", revision=revision, base=True)
    attest_tokenizer(tokenizer, applied=False, add_special_tokens=False)
    attest_sentinel(passed, [("template removed", True), ("no special tokens", True)])

Outside ``provenant run`` these calls do nothing (one warning per process), so the loader works the same
either way.

Refusing (call from a trainer, before reading data). ``require_verified(path)`` runs
``provenant verify --json PATH`` and raises ``ProvenanceError`` unless the verdict is ``ok``, so unstamped,
tampered, quarantined or stale data is refused where it is loaded, whoever runs the trainer:

    from provenant_helper import require_verified

    require_verified("data/stage1/sft.jsonl")

The provenant command is ``$PROVENANT_BIN`` (split like a shell command line), else ``provenant`` on the
PATH, else the npm package ``provenant-cli`` at the version this helper shipped with, through npx
(``npx --yes --package=provenant-cli@VERSION -- provenant``): never an unpinned or unowned package.
"""

import hashlib
import json
import os
import shlex
import shutil
import subprocess
import sys
import warnings

# The provenant-cli release this file shipped with (`npm run release:check` checks it against package.json).
PROVENANT_CLI_VERSION = "0.1.0"

__all__ = [
    "ProvenanceError",
    "attest",
    "attest_model",
    "attest_tokenizer",
    "attest_sentinel",
    "require_verified",
]

HELPER_VERSION = 1
_warned = False


class ProvenanceError(Exception):
    """An artifact that ``provenant verify`` does not pass: its path, verdict and the reasons."""

    def __init__(self, path, verdict, reasons):
        self.path = path
        self.verdict = verdict
        self.reasons = list(reasons)
        detail = "; ".join(self.reasons) if self.reasons else "no reason given"
        super().__init__("%s: %s (%s)" % (path, verdict, detail))


def _sha256(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def attest(**fields):
    """Appends ``fields`` as one JSON line to ``$PROVENANT_ATTEST``; False (and nothing written) outside a run.

    Keys follow the stamp's attestation block: ``model``, ``tokenizer``, ``sampling``, ``seed``,
    ``sentinel``. Later lines win key by key, so each part of the loader can attest what it knows.
    """
    global _warned
    target = os.environ.get("PROVENANT_ATTEST")
    if not target:
        if not _warned:
            _warned = True
            warnings.warn(
                "PROVENANT_ATTEST is not set (not under `provenant run`): attestations are not recorded",
                RuntimeWarning,
                stacklevel=2,
            )
        return False
    line = json.dumps(fields, sort_keys=True, default=str)
    with open(target, "a", encoding="utf-8") as fh:
        fh.write(line + "\n")
    return True


def attest_model(model_id, revision=None, base=None):
    """The model the run loaded: its hub id, the revision pinned (a commit), and whether it is a base model."""
    model = {"id": str(model_id)}
    if revision is not None:
        model["revision"] = str(revision)
    if base is not None:
        model["base"] = bool(base)
    return attest(model=model)


def _template_digest(template):
    if isinstance(template, str) and template:
        return _sha256(template)
    if isinstance(template, dict) and template:
        # transformers allows several named templates
        return _sha256(json.dumps(template, sort_keys=True))
    return None


def _flag(obj, *names):
    for name in names:
        value = getattr(obj, name, None)
        if isinstance(value, bool):
            return value
    return None


def attest_tokenizer(tokenizer, applied=None, add_special_tokens=None, add_bos=None, sha256=None):
    """The tokenizer's state as the run used it, read from the object where it says so (duck-typed).

    ``applied``: whether a chat template was applied to text the model saw (only the caller knows).
    ``add_special_tokens`` / ``add_bos``: given, or read from a boolean ``add_special_tokens`` /
    ``add_bos_token`` attribute. ``sha256``: given, or the digest of a fast tokenizer's serialised form.
    """
    template = getattr(tokenizer, "chat_template", None)
    digest = _template_digest(template)
    state = {"chatTemplatePresent": digest is not None, "chatTemplateSha256": digest}
    if applied is not None:
        state["chatTemplateApplied"] = bool(applied)
    special = add_special_tokens if add_special_tokens is not None else _flag(tokenizer, "add_special_tokens")
    if special is not None:
        state["addSpecialTokens"] = bool(special)
    bos = add_bos if add_bos is not None else _flag(tokenizer, "add_bos_token", "add_bos")
    if bos is not None:
        state["addBos"] = bool(bos)
    if sha256 is None:
        backend = getattr(tokenizer, "backend_tokenizer", None)
        to_str = getattr(backend, "to_str", None)
        if callable(to_str):
            serialised = to_str()
            if isinstance(serialised, str):
                sha256 = _sha256(serialised)
    if sha256 is not None:
        state["sha256"] = str(sha256)
    return attest(tokenizer=state)


def _checks(checks):
    if isinstance(checks, dict):
        return [{"name": str(k), "passed": bool(v)} for k, v in checks.items()]
    out = []
    for check in checks or []:
        if isinstance(check, dict):
            out.append({"name": str(check["name"]), "passed": bool(check["passed"])})
        else:
            name, passed = check
            out.append({"name": str(name), "passed": bool(passed)})
    return out


def attest_sentinel(passed, checks=None):
    """The sentinel checks' outcome: ``checks`` as ``{name: passed}``, ``[(name, passed)]`` or ``[{"name", "passed"}]``."""
    return attest(sentinel={"passed": bool(passed), "checks": _checks(checks)})


def _command():
    explicit = os.environ.get("PROVENANT_BIN")
    if explicit:
        return shlex.split(explicit)
    found = shutil.which("provenant")
    if found:
        return [found]
    return ["npx", "--yes", "--package=provenant-cli@" + PROVENANT_CLI_VERSION, "--", "provenant"]


def require_verified(path, full=False):
    """Runs ``provenant verify --json PATH``; returns its result when the verdict is ``ok``, else raises ProvenanceError.

    ``full`` rehashes the artifact instead of trusting an unchanged size, mtime and inode.
    """
    target = os.path.abspath(os.fspath(path))
    folder = target if os.path.isdir(target) else os.path.dirname(target)
    argv = _command() + ["verify", "--json"] + (["--full"] if full else []) + [target]
    try:
        done = subprocess.run(argv, cwd=folder if os.path.isdir(folder) else None, capture_output=True, text=True)
    except FileNotFoundError as error:
        raise ProvenanceError(target, "error", ["cannot run provenant (%s): set PROVENANT_BIN" % error]) from error
    try:
        report = json.loads(done.stdout)
        result = report["results"][0]
    except (ValueError, KeyError, IndexError, TypeError) as error:
        said = (done.stderr or done.stdout).strip().splitlines()
        raise ProvenanceError(
            target, "error", ["provenant verify exited %d: %s" % (done.returncode, said[0] if said else "no output")]
        ) from error
    if result.get("verdict") != "ok":
        raise ProvenanceError(result.get("path", target), result.get("verdict", "error"), result.get("reasons", []))
    return result


if __name__ == "__main__":
    # `python provenant_helper.py PATH…`: exit 1 at the first artifact that does not verify
    for _path in sys.argv[1:]:
        try:
            require_verified(_path)
        except ProvenanceError as _error:
            print("refused: %s" % _error, file=sys.stderr)
            sys.exit(1)
