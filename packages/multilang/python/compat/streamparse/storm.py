"""streamparse's component classes on top of Squall's library, with the DSL's ``spec()``."""

from squall import BatchingBolt as _BatchingBolt
from squall import Bolt as _Bolt
from squall import Component
from squall import ReliableSpout as _ReliableSpout
from squall import Spout as _Spout
from squall import StormHandler, Tuple
from squall.dsl import JavaBoltSpec, JavaSpoutSpec, ShellBoltSpec, ShellSpoutSpec

__all__ = [
    "BatchingBolt",
    "Bolt",
    "Component",
    "JavaBolt",
    "JavaSpout",
    "ReliableSpout",
    "ShellBolt",
    "ShellSpout",
    "Spout",
    "StormHandler",
    "TicklessBatchingBolt",
    "Tuple",
]


def _script(cls):
    return "{}.{}".format(cls.__module__, cls.__name__)


class ShellBolt(Component):
    """A bolt in another language: ``ShellBolt.spec(command="node", script="split.js", outputs=[...])``."""

    @classmethod
    def spec(cls, name=None, command=None, script=None, inputs=None, par=None, config=None, outputs=None):
        return ShellBoltSpec(cls, name=name, command=command, script=script, inputs=inputs, par=par, config=config, outputs=outputs)


class ShellSpout(Component):
    """A spout in another language: ``ShellSpout.spec(command=..., script=..., outputs=[...])``."""

    @classmethod
    def spec(cls, name=None, command=None, script=None, par=None, config=None, outputs=None):
        return ShellSpoutSpec(cls, name=name, command=command, script=script, par=par, config=config, outputs=outputs)


class JavaBolt(Component):
    """Accepted by the DSL so a topology imports; Squall refuses it when the topology is read (no JVM)."""

    @classmethod
    def spec(cls, name=None, serialized_java=None, full_class_name=None, args_list=None, inputs=None, par=1, config=None, outputs=None):
        return JavaBoltSpec(cls, name=name, serialized_java=serialized_java, full_class_name=full_class_name,
                            args_list=args_list, inputs=inputs, par=par, config=config, outputs=outputs)


class JavaSpout(Component):
    """Accepted by the DSL so a topology imports; Squall refuses it when the topology is read (no JVM)."""

    @classmethod
    def spec(cls, name=None, serialized_java=None, full_class_name=None, args_list=None, par=1, config=None, outputs=None):
        return JavaSpoutSpec(cls, name=name, serialized_java=serialized_java, full_class_name=full_class_name,
                             args_list=args_list, par=par, config=config, outputs=outputs)


class Spout(_Spout):
    @classmethod
    def spec(cls, name=None, par=None, config=None):
        return ShellSpoutSpec(cls, command="streamparse_run", script=_script(cls), name=name, par=par, config=config, outputs=cls.outputs)


class ReliableSpout(_ReliableSpout, Spout):
    pass


class Bolt(_Bolt):
    @classmethod
    def spec(cls, name=None, inputs=None, par=None, config=None):
        return ShellBoltSpec(cls, command="streamparse_run", script=_script(cls), name=name, inputs=inputs, par=par, config=config, outputs=cls.outputs)


class BatchingBolt(_BatchingBolt, Bolt):
    pass


# pystorm's tick-less variant is not in Squall's library; the tick-based one is the closest.
TicklessBatchingBolt = BatchingBolt
