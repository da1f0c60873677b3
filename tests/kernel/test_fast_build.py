"""Cell builds: after one real cargo build a session re-runs the recorded
compile of the cell crate, and anything that changes what cargo would do (a
new dependency) goes through cargo again."""

import json
import os
import pathlib

import pytest

from born_client import of_type, run, start

PLAN = pathlib.Path("target", "born-fast-build.json")


def text_result(kc, code):
    reply, messages = run(kc, code)
    assert reply["content"]["status"] == "ok", reply["content"]
    return of_type(messages, "execute_result")[0]["content"]["data"]["text/plain"]


def recorded_key(plan):
    return json.loads(plan.read_text())["key"]


@pytest.mark.skipif(
    "RUSTUP_TOOLCHAIN" in os.environ, reason="a chosen RUSTUP_TOOLCHAIN keeps the plain cargo path"
)
def test_cells_reuse_the_recorded_compile_until_a_dependency_changes(tmp_path):
    km, kc = start()
    try:
        workdir = pathlib.Path(json.loads(text_result(kc, 'std::env::var("EVCXR_TMPDIR").unwrap()')))
        plan = workdir / PLAN
        assert text_result(kc, "1 + 2") == "3"
        assert plan.is_file(), f"no recorded compile in {workdir}"
        key = recorded_key(plan)

        # Cells with new code, values and errors all run on the recorded compile.
        reply, _ = run(kc, "let kept = 40;")
        assert reply["content"]["status"] == "ok", reply["content"]
        assert text_result(kc, "kept + 2") == "42"
        reply, messages = run(kc, 'let wrong: i32 = "text";')
        assert reply["content"]["status"] == "error"
        assert "mismatched types" in of_type(messages, "error")[0]["content"]["evalue"]
        assert recorded_key(plan) == key

        # A new dependency changes Cargo.toml: cargo builds it and a new compile is recorded.
        crate = tmp_path / "tripler"
        (crate / "src").mkdir(parents=True)
        (crate / "Cargo.toml").write_text('[package]\nname = "tripler"\nversion = "0.1.0"\nedition = "2021"\n')
        (crate / "src" / "lib.rs").write_text("pub fn triple(x: i32) -> i32 { 3 * x }\n")
        reply, _ = run(kc, f':dep tripler = {{ path = "{crate}" }}')
        assert reply["content"]["status"] == "ok", reply["content"]
        assert text_result(kc, "tripler::triple(kept) + 2") == "122"
        assert recorded_key(plan) != key

        # The cells' own processes see the user's toolchain choice, not the kernel's.
        assert text_result(kc, 'std::env::var("RUSTUP_TOOLCHAIN").is_err()') == "true"
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
