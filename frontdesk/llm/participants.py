"""Resolve a participant from configuration: a ``scripted/…`` name, a plug-in, or a litellm model + strategy.

Agents and user simulators are chosen the same way, so one registry type serves both. A spec
(``--agent`` / ``--user``) is, in this order:

- ``scripted/NAME``: a built-in offline participant;
- ``py:package.module:factory``: a plug-in, ``factory(None, context)`` returns the participant;
- ``SCHEME:…`` for a scheme the registry knows (``a2a:URL`` for agents): a built-in plug-in,
  named by import path so this layer never imports it, called with the spec's ModelConfig;
- a name an installed package registers in the registry's entry-point group (``frontdesk.agents``
  or ``frontdesk.users``), e.g. ``acme/support-bot``: a plug-in like ``py:``;
- anything else is a litellm model string, driven by the strategy (``--agent-strategy``): a
  built-in one, or a plug-in (``py:…`` or an entry-point name) called as ``factory(model, context)``.

:meth:`ParticipantRegistry.check` finds every plug-in and builds one instance with a probe context
(then drops it), so a bad path, a missing attribute, a factory that raises or returns the wrong
type is one ConfigError naming which and where, before a run writes anything.
"""

from __future__ import annotations

import importlib
import inspect
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import EntryPoint, PackageNotFoundError, entry_points, packages_distributions, version
from typing import Any, Generic, TypeVar

from frontdesk.errors import ConfigError
from frontdesk.llm.client import SCRIPTED_PREFIX, ModelConfig

Context = TypeVar("Context")
Participant = TypeVar("Participant")

PLUGIN_PREFIX = "py:"


@dataclass(frozen=True)
class Plugin:
    """A participant factory found from a spec, and where it came from."""

    spec: str  # as configured: "py:my_pkg.agent:build", "acme/support-bot", "a2a:http://…"
    import_path: str  # "my_pkg.agent:build"
    factory: Callable[..., Any]
    # The installed package that provides it: given for an entry point, else looked up by stamp()
    # (a scan of every installed package: too slow to do for each trial).
    distribution: tuple[str, str] | None = None
    builtin: bool = False  # a scheme frontdesk ships (a2a:): its failures are about the spec, not a plug-in

    def stamp(self) -> dict[str, Any]:
        """What the manifest records and the config hash covers. frontdesk's own version is left out
        (a plug-in it ships, ``a2a:`` included, is frontdesk, whose version no configuration hashes)."""
        name, version_ = self.distribution or _distribution_of(self.import_path.partition(":")[0])
        if name == "frontdesk":
            version_ = None
        return {"spec": self.spec, "import_path": self.import_path, "distribution": name, "version": version_}


_entry_point_cache: dict[tuple[str, tuple[str, ...]], dict[str, EntryPoint]] = {}


def _entry_points(group: str) -> dict[str, EntryPoint]:
    """The names registered in ``group``; looked up again when ``sys.path`` changes."""
    key = (group, tuple(sys.path))
    found = _entry_point_cache.get(key)
    if found is None:
        found = _entry_point_cache[key] = {ep.name: ep for ep in entry_points(group=group)}
    return found


def _where(error: BaseException) -> str:
    """Where ``error`` was raised, unless that is this module (a factory called with the wrong signature)."""
    frames = traceback.extract_tb(error.__traceback__)
    if not frames or frames[-1].filename == __file__:
        return ""
    return f" at {frames[-1].filename}:{frames[-1].lineno}"


def _defined_at(factory: Any) -> str:
    try:
        return f" ({inspect.getsourcefile(factory)}:{inspect.getsourcelines(factory)[1]})"
    except (OSError, TypeError):
        return ""


def _said(error: BaseException) -> str:
    text = " ".join(str(error).split())
    return f"{type(error).__name__}: {text[:300]}" if text else type(error).__name__


def _distribution_of(module: str) -> tuple[str | None, str | None]:
    """The installed package (name, version) that provides ``module``, or (None, None)."""
    names = packages_distributions().get(module.split(".")[0]) or []
    for name in names:
        try:
            return name, version(name)
        except PackageNotFoundError:
            continue
    return None, None


def load_import_path(import_path: str, what: str) -> Callable[..., Any]:
    """``module:attribute`` (dots allowed on both sides) as an object; ConfigError saying which part failed."""
    module_name, sep, attribute = import_path.partition(":")
    if not sep or not module_name or not attribute or any(not part.isidentifier() for part in module_name.split(".")):
        raise ConfigError(f"{what}: {import_path!r} must look like package.module:factory")
    try:
        target: Any = importlib.import_module(module_name)
    except ModuleNotFoundError as e:
        if e.name and module_name.startswith(e.name):
            raise ConfigError(f"{what}: cannot import module {module_name!r} ({_said(e)}); is it installed?") from None
        raise ConfigError(f"{what}: importing module {module_name!r} failed: {_said(e)}{_where(e)}") from None
    except Exception as e:  # a SyntaxError, or anything the module raises at import
        raise ConfigError(f"{what}: importing module {module_name!r} failed: {_said(e)}{_where(e)}") from None
    where = getattr(target, "__file__", None) or module_name
    for part in attribute.split("."):
        if not hasattr(target, part):
            raise ConfigError(f"{what}: module {module_name!r} ({where}) has no attribute {attribute!r}")
        target = getattr(target, part)
    if not callable(target):
        raise ConfigError(f"{what}: {import_path} is a {type(target).__name__}, not a callable taking (model, context)")
    return target


class ParticipantRegistry(Generic[Context, Participant]):
    def __init__(
        self,
        role: str,
        scripted: dict[str, Callable[[Context], Participant]],
        strategies: dict[str, Callable[[ModelConfig, Context], Participant]],
        *,
        kind: type | None = None,
        group: str | None = None,
        schemes: dict[str, str] | None = None,
        probe: Callable[[], Context] | None = None,
        broken: Callable[[str], Participant] | None = None,
    ) -> None:
        self.role = role
        self.scripted = scripted  # built-in offline participants, by full name
        self.strategies = strategies  # how an LLM participant is driven, by strategy name
        self.kind = kind  # what a plug-in factory must return
        self.group = group  # the entry-point group installed packages register names in
        self.schemes = schemes or {}  # "a2a" -> "frontdesk.interop.a2a_agent:A2AAgent"
        self.probe = probe  # a context for the one instance check() builds
        self.broken = broken  # a stand-in whose first turn fails, for a plug-in that fails in a trial

    # --- what a spec names ---

    def _scheme(self, spec: str) -> str | None:
        scheme, sep, _ = spec.partition(":")
        return scheme if sep and scheme in self.schemes else None

    def _entry_point(self, name: str) -> EntryPoint | None:
        return _entry_points(self.group).get(name) if self.group else None

    def is_model(self, spec: str) -> bool:
        """Whether ``spec`` is a litellm model string (checked and keyed like one), not a built-in or plug-in."""
        return not (
            spec.startswith(SCRIPTED_PREFIX)
            or spec.startswith(PLUGIN_PREFIX)
            or self._scheme(spec) is not None
            or self._entry_point(spec) is not None
        )

    def plugin(self, spec: str, as_strategy: bool = False) -> Plugin | None:
        """The plug-in ``spec`` names (a participant, or with ``as_strategy`` a strategy), or None
        if it names a built-in or a model; ConfigError if it cannot be loaded."""
        seat = f"{self.role} strategy" if as_strategy else self.role
        if spec.startswith(PLUGIN_PREFIX):
            path = spec.removeprefix(PLUGIN_PREFIX)
            factory = load_import_path(path, f"{seat} plug-in {spec!r}")
            return Plugin(spec, path, factory)
        scheme = None if as_strategy else self._scheme(spec)
        if scheme is not None:
            path = self.schemes[scheme]
            factory = load_import_path(path, f"{seat} {spec!r}")
            return Plugin(spec, path, factory, builtin=True)
        if as_strategy and spec in self.strategies:
            return None
        ep = self._entry_point(spec)
        if ep is None:
            return None
        what = f"{seat} {spec!r} (entry point in group {self.group!r}"
        dist = getattr(ep, "dist", None)
        installed = (dist.name, dist.version) if dist is not None else None
        what += f" of {installed[0]} {installed[1]})" if installed else ")"
        try:
            factory = ep.load()
        except Exception as e:
            raise ConfigError(f"{what}: loading {ep.value!r} failed: {_said(e)}{_where(e)}") from None
        if not callable(factory):
            raise ConfigError(f"{what}: {ep.value} is a {type(factory).__name__}, not a callable")
        return Plugin(spec, ep.value, factory, distribution=installed)

    # --- checking and building ---

    def _make(self, plugin: Plugin, model: ModelConfig | None, context: Context) -> Participant:
        """Call a plug-in factory; ConfigError naming it if it raises or returns something else."""
        try:
            made = plugin.factory(model, context)
        except Exception as e:
            if plugin.builtin:
                raise ConfigError(f"{self.role} {plugin.spec!r}: {' '.join(str(e).split())}") from None
            raise ConfigError(
                f"{self.role} plug-in {plugin.spec!r}: {plugin.import_path}{_defined_at(plugin.factory)} raised "
                f"{_said(e)}{_where(e)}"
            ) from None
        if self.kind is not None and not isinstance(made, self.kind):
            raise ConfigError(
                f"{self.role} plug-in {plugin.spec!r}: {plugin.import_path} returned a {type(made).__name__}, "
                f"not a {self.kind.__module__}.{self.kind.__qualname__}"
            )
        return made

    def _model_of(self, spec: str) -> ModelConfig | None:
        """What a participant plug-in gets as its model when checked: the spec itself for a scheme, else None."""
        return ModelConfig(model=spec) if self._scheme(spec) is not None else None

    def check(self, model: str, strategy: str) -> None:
        """Raise ConfigError for an unknown scripted name or strategy, or a plug-in that cannot be
        built (model strings are checked elsewhere).

        The strategy is checked whoever plays: a scripted participant ignores it, but a typo accepted
        now would fail only later, when the same command names a real model.
        """
        if model.startswith(SCRIPTED_PREFIX) and model not in self.scripted:
            raise ConfigError(
                f"unknown scripted {self.role} {model!r}; built-in {self.role}s: {', '.join(self.scripted)}"
            )
        strategy_plugin = self.plugin(strategy, as_strategy=True)
        if strategy_plugin is None and strategy not in self.strategies:
            raise ConfigError(
                f"unknown {self.role} strategy {strategy!r}; choose one of: {', '.join(self.strategies)}, "
                "or a plug-in py:package.module:factory"
            )
        participant = self.plugin(model)
        if self.probe is None:
            return
        if participant is not None:
            self._make(participant, self._model_of(model), self.probe())
        elif strategy_plugin is not None and self.is_model(model):
            self._make(strategy_plugin, ModelConfig(model=model), self.probe())

    def build(self, model: ModelConfig, strategy: str, context: Context) -> Participant:
        """The participant of one trial. A plug-in that fails here (it passed :meth:`check`) gets a
        stand-in whose first turn fails: the participant's own error, recorded like any other."""
        if model.model.startswith(SCRIPTED_PREFIX):
            self.check(model.model, strategy)
            return self.scripted[model.model](context)
        try:
            participant = self.plugin(model.model)
            if participant is not None:
                return self._make(participant, model if self._scheme(model.model) else None, context)
            if strategy in self.strategies:
                return self.strategies[strategy](model, context)
            strategy_plugin = self.plugin(strategy, as_strategy=True)
            if strategy_plugin is None:
                self.check(model.model, strategy)  # raises: an unknown strategy
            return self._make(strategy_plugin, model, context)
        except ConfigError as e:
            if self.broken is None:
                raise
            return self.broken(str(e))

    def provenance(self, spec: str, strategy: str) -> dict[str, Any]:
        """The plug-ins a configuration uses, for the manifest and the config hash: their specs,
        import paths and package versions, under ``ROLE`` and ``ROLE_strategy`` (empty when only
        built-ins and model strings are used, so such configurations hash as they always did)."""
        found: dict[str, Any] = {}
        participant = self.plugin(spec)
        if participant is not None:
            found[self.role] = participant.stamp()
        strategy_plugin = self.plugin(strategy, as_strategy=True)
        if strategy_plugin is not None:
            found[f"{self.role}_strategy"] = strategy_plugin.stamp()
        return found
