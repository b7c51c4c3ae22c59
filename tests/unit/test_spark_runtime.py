"""Before a build on Spark: a machine without Java is told what to install, instead of failing inside pyspark."""

from __future__ import annotations

from pathlib import Path

from pipelines.core.spark_runtime import java_executable, missing_spark_runtime


def fake_java(folder: Path) -> Path:
    java = folder / "bin" / "java"
    java.parent.mkdir(parents=True)
    java.write_text("#!/bin/sh\n")
    java.chmod(0o755)
    return java


def test_java_is_found_on_the_path_or_under_java_home(tmp_path) -> None:
    on_path = fake_java(tmp_path / "path")
    assert java_executable({"PATH": str(on_path.parent)}) == on_path
    home = fake_java(tmp_path / "jdk")
    assert java_executable({"PATH": str(on_path.parent), "JAVA_HOME": str(tmp_path / "jdk")}) == home


def test_no_java_is_named_with_what_to_do(tmp_path) -> None:
    assert java_executable({"PATH": str(tmp_path)}) is None
    problem = missing_spark_runtime({"PATH": str(tmp_path)})
    assert problem is not None
    assert "no Java runtime (java on PATH not found)" in problem
    assert "install Java 17 or 21" in problem
    assert "JAVA_HOME/bin/java not found" in missing_spark_runtime({"JAVA_HOME": str(tmp_path / "missing")})


def test_a_machine_with_java_and_the_spark_extra_can_build(tmp_path) -> None:
    assert missing_spark_runtime({"PATH": str(fake_java(tmp_path).parent)}) is None
