"""The GENERATORS registry: enough for a generic `sendim generate KIND --param value`."""

import argparse
import inspect

import pytest

from sendim.errors import InputError, RegistryError
from sendim.topology.generators import GENERATORS, GeneratorError, fat_tree, generate

KINDS = ["fat-tree", "leaf-spine", "linear", "random", "ring", "small-world", "torus", "tree"]


def test_kinds():
    assert sorted(GENERATORS) == KINDS


@pytest.mark.parametrize("kind", KINDS)
def test_specs_describe_the_functions_exactly(kind):
    spec = GENERATORS[kind]
    assert spec.kind == kind and spec.description and "\n" not in spec.description
    signature = inspect.signature(spec.function)
    assert [p.name for p in spec.params] == list(signature.parameters)
    for param in spec.params:
        default = signature.parameters[param.name].default
        assert param.required == (default is inspect.Parameter.empty), param.name
        if not param.required:
            assert param.default == default, param.name
        assert param.type in (int, float, str) and param.help
        assert param.flag == "--" + param.name.replace("_", "-")


def test_unknown_kind_names_the_supported_ones():
    with pytest.raises(RegistryError) as info:
        generate("x")
    assert str(info.value) == ('generator "x" is not supported. Supported kinds are '
                               "[fat-tree, leaf-spine, linear, random, ring, small-world, torus, tree]")
    assert isinstance(info.value, InputError)


def test_generate_converts_cli_strings_and_dashed_names():
    assert generate("fat-tree", k=4) == fat_tree(4)
    assert generate("fat-tree", k="4", bw="1Gbps") == fat_tree(4, bw=1e9)
    system = generate("linear", n="3", **{"hosts-per-switch": "2"})
    assert len(system.hosts) == 6
    assert generate("random", nodes="20", degree="3.5", seed="9").name == "random-20-9"


@pytest.mark.parametrize("kind,params,fragment", [
    ("fat-tree", {}, "missing parameter(s) k"),
    ("fat-tree", {"k": 4, "size": 3}, "has no parameter 'size'"),
    ("fat-tree", {"k": "four"}, "must be of type int"),
    ("fat-tree", {"k": 5}, "k must be even"),
    ("small-world", {"n": 16, "lattice": "cube"}, "must be one of [ring, torus]"),
])
def test_generate_rejects_bad_parameters(kind, params, fragment):
    with pytest.raises(GeneratorError) as info:
        generate(kind, **params)
    assert fragment in str(info.value)


def test_a_generic_command_line_can_be_built_from_the_registry():
    parser = argparse.ArgumentParser()
    kinds = parser.add_subparsers(dest="kind", required=True)
    for kind, spec in GENERATORS.items():
        sub = kinds.add_parser(kind, help=spec.description)
        for param in spec.params:
            sub.add_argument(param.flag, dest=param.name, type=param.type,
                             default=param.default, required=param.required,
                             choices=param.choices, help=param.help)
    args = parser.parse_args(["small-world", "--n", "30", "--lattice", "ring", "--seed", "4",
                              "--bw", "10Mbps"])
    params = {k: v for k, v in vars(args).items() if k != "kind" and v is not None}
    system = generate(args.kind, **params)
    assert len(system.switches) == 30 and system.links[0].bandwidth == 10e6
    with pytest.raises(SystemExit):
        parser.parse_args(["tree", "--depth", "2"])          # fanout is required
