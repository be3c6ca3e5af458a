"""Tests for the wheel's entry module (packaging/wheel/gil_lab_cli): what it
hands the real binary, and the one error a static-only interpreter gets."""

import os
import sys
import sysconfig

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "packaging", "wheel"))
import gil_lab_cli  # noqa: E402


def test_the_binary_gets_this_pythons_libdir_and_executable(monkeypatch, tmp_path):
    if not sysconfig.get_config_var("Py_ENABLE_SHARED"):
        pytest.skip("this interpreter has no shared libpython")
    core = tmp_path / "gil-lab-core"
    core.write_text("")
    monkeypatch.setenv("GIL_LAB_CORE", str(core))
    monkeypatch.setenv("LD_LIBRARY_PATH", "/elsewhere")
    monkeypatch.setattr(sys, "argv", ["gil-lab", "info", "--json"])
    seen = {}
    monkeypatch.setattr(os, "execve", lambda path, argv, env: seen.update(path=path, argv=argv, env=env))
    gil_lab_cli.main()
    folder, name = gil_lab_cli.libpython()
    assert os.path.isfile(os.path.join(folder, name))
    assert seen["path"] == str(core)
    assert seen["argv"] == ["gil-lab", "info", "--json"]
    assert seen["env"]["LD_LIBRARY_PATH"].split(os.pathsep) == [folder, "/elsewhere"]
    assert seen["env"]["GIL_LAB_PYTHON_EXECUTABLE"] == sys.executable
    assert "GIL_LAB_CORE" not in seen["env"]


def test_a_static_only_python_gets_one_error_and_a_hint(monkeypatch, capsys):
    real = sysconfig.get_config_var
    monkeypatch.setattr(sysconfig, "get_config_var",
                        lambda key: 0 if key == "Py_ENABLE_SHARED" else real(key))
    monkeypatch.setattr(os, "execve", lambda *a: pytest.fail("must not start the binary"))
    assert gil_lab_cli.main() == 2
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("error: ") and "--enable-shared" in lines[0]
    assert lines[1].startswith("  hint: ") and "--enable-shared" in lines[1]
