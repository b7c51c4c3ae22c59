"""Which mapping reads which landing file: the user's mapping files first, then the presets shipped with
Customer Pulse, then the canonical mapping of the kind (the contract's own column names)."""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import yaml

from pipelines.core.contracts import KINDS
from pipelines.core.mapping.loading import MappingError, load_mapping
from pipelines.core.mapping.model import Mapping

PRESETS_DIR = Path(__file__).resolve().parents[2] / "mappings"
CANONICAL_DIR = PRESETS_DIR / "canonical"


@dataclass(frozen=True)
class Selection:
    mapping: Mapping
    reason: str  # why this mapping, in words


@dataclass(frozen=True)
class MappingProblem:
    """A mapping file of the user's that cannot be used. Files it might read wait (new or changed ones fail with
    this message, loaded ones keep their rows) rather than load with another mapping: with the wrong mapping good
    rows would be replaced by rejects. What it might read is known from its `kind` and `match` when those can
    still be read; if not, it might read any file."""

    message: str
    kind: str | None = None
    match: tuple[str, ...] | None = None
    origin: Path | None = None  # the invalid file

    def may_read(self, kind: str, path_in_kind: str) -> bool:
        if self.kind is not None and self.kind != kind:
            return False
        if self.match is None:
            return True
        return any(matches(pattern, path_in_kind) for pattern in self.match)


@dataclass
class MappingCatalog:
    user_mappings: list[Mapping] = field(default_factory=list)
    presets: list[Mapping] = field(default_factory=list)
    canonical: dict[str, Mapping] = field(default_factory=dict)
    problems: list[MappingProblem] = field(default_factory=list)  # user mapping files that could not be read

    @classmethod
    def load(cls, user_dir: Path | None) -> MappingCatalog:
        catalog = cls()
        for path in _yaml_files(CANONICAL_DIR):
            mapping = load_mapping(path)
            catalog.canonical[mapping.kind] = mapping
        missing = [kind for kind in KINDS if kind not in catalog.canonical]
        if missing:
            raise MappingError(f"{CANONICAL_DIR}: no canonical mapping for {', '.join(missing)}")
        catalog.presets = [load_mapping(path) for path in _yaml_files(PRESETS_DIR)]
        for path in _yaml_files(user_dir) if user_dir else []:
            try:
                catalog.user_mappings.append(load_mapping(path))
            except MappingError as error:
                catalog.problems.append(_problem(path, str(error)))
        return catalog

    def problems_for(self, kind: str, path_in_kind: str) -> list[MappingProblem]:
        return [problem for problem in self.problems if problem.may_read(kind, path_in_kind)]

    def all(self) -> list[Mapping]:
        return [*self.user_mappings, *self.presets, *self.canonical.values()]

    def named(self, name: str, kind: str | None = None) -> Mapping:
        """The mapping of this name or file stem; a YAML file's path reads that file (`--mapping my.yaml`)."""
        as_path = Path(name).expanduser()
        if as_path.suffix in (".yaml", ".yml") and as_path.is_file():
            mapping = load_mapping(as_path)
            if kind is not None and mapping.kind != kind:
                raise MappingError(f"{as_path}: a mapping for {mapping.kind}, not for {kind}")
            return mapping
        for problem in self.problems:
            if problem.origin is not None and name in (problem.origin.stem, problem.origin.name):
                raise MappingError(f"the mapping {name!r} is invalid: {problem.message}")
        for mapping in self.all():
            if (mapping.name == name or (mapping.origin and mapping.origin.stem == name)) and kind in (
                None,
                mapping.kind,
            ):
                return mapping
        candidates = sorted({mapping.name for mapping in self.all() if kind in (None, mapping.kind)})
        raise MappingError(f"no mapping named {name!r}{f' for {kind}' if kind else ''}; known: {', '.join(candidates)}")

    def select(self, kind: str, path_in_kind: str) -> Selection:
        """The mapping for a file at landing/<kind>/<path_in_kind> (a zip member: <archive>/<member>)."""
        for group, mappings in (("your mapping", self.user_mappings), ("the preset", self.presets)):
            for mapping in mappings:
                if mapping.kind != kind:
                    continue
                pattern = next((item for item in mapping.match if matches(item, path_in_kind)), None)
                if pattern is not None:
                    return Selection(mapping, f"{group} {mapping.label} matches {pattern!r}")
        return Selection(self.canonical[kind], f"no mapping matches {path_in_kind!r}: the canonical {kind} columns")


def matches(pattern: str, path_in_kind: str) -> bool:
    """A pattern with a '/' is matched against the path below landing/<kind>/, one without against the file name
    (like .gitignore); '**' matches any depth."""
    path = PurePosixPath(path_in_kind)
    if "/" not in pattern:
        return fnmatch.fnmatch(path.name.lower(), pattern.lower())
    return fnmatch.fnmatch(path_in_kind.lower(), pattern.lower().replace("**/", "*").replace("**", "*"))


def _problem(path: Path, message: str) -> MappingProblem:
    """What can still be read of an invalid mapping file: its kind and match patterns, if they are well formed."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return MappingProblem(message, origin=path)
    if not isinstance(document, dict) or document.get("kind") not in KINDS:
        return MappingProblem(message, origin=path)
    match = document.get("match")
    if match is None:
        return MappingProblem(message, document["kind"], (), path)  # used only when named: reads no landing file
    if isinstance(match, str):
        match = [match]
    if not isinstance(match, list) or not all(isinstance(item, str) for item in match):
        return MappingProblem(message, document["kind"], origin=path)
    return MappingProblem(message, document["kind"], tuple(match), path)


def _yaml_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(path for path in folder.iterdir() if path.suffix in (".yaml", ".yml") and path.is_file())
