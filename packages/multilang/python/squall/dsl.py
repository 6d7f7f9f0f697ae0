"""streamparse's Python topology DSL, for projects that run without streamparse installed.

    class WordCount(Topology):
        word_spout = WordSpout.spec()
        count_bolt = WordCountBolt.spec(inputs={word_spout: Grouping.fields("word")}, par=2)

The objects carry the attributes streamparse's own (thrift-based) ones do (``specs``,
``spec.name/par/config/outputs/inputs``, ``spec.component_object.shell``,
``GlobalStreamId.componentId/streamId``, one non-None attribute per grouping), so
``squall.describe_topology`` reads a topology the same way whichever library built it.
The checks and their messages follow streamparse's.
"""

import json

__all__ = [
    "ComponentSpec",
    "GlobalStreamId",
    "Grouping",
    "JavaComponentSpec",
    "ShellComponentSpec",
    "Stream",
    "StreamInfo",
    "Topology",
    "TopologyType",
]

from .component import Component
from .stream import Stream


class NullStruct(object):
    """Marks the grouping kind that is set (thrift's empty struct)."""

    def __repr__(self):
        return "NullStruct()"


class StreamInfo(object):
    def __init__(self, output_fields=None, direct=False):
        self.output_fields = list(output_fields or [])
        self.direct = direct

    def __repr__(self):
        return "StreamInfo(output_fields={!r}, direct={!r})".format(self.output_fields, self.direct)


class GlobalStreamId(object):
    """A component's stream, as a key of ``inputs``: ``spec["stream"]``."""

    def __init__(self, componentId=None, streamId="default"):
        self.componentId = componentId
        self.streamId = streamId

    def _key(self):
        c = self.componentId
        return (c if isinstance(c, str) else id(c), self.streamId)

    def __eq__(self, other):
        return isinstance(other, GlobalStreamId) and self._key() == other._key()

    def __hash__(self):
        return hash(self._key())

    def __repr__(self):
        c = self.componentId if isinstance(self.componentId, str) else getattr(self.componentId, "name", None)
        return "GlobalStreamId(componentId={!r}, streamId={!r})".format(c, self.streamId)


_GROUPING_KINDS = (
    "fields",
    "shuffle",
    "all",
    "none",
    "direct",
    "custom_object",
    "custom_serialized",
    "local_or_shuffle",
    "partial_key",
)


class _Grouping(object):
    """One grouping: exactly one of the attributes in ``_GROUPING_KINDS`` is not None.

    Calling it returns itself, so ``Grouping.SHUFFLE``, ``Grouping.shuffle`` and
    ``Grouping.shuffle()`` are the same thing."""

    def __init__(self, **kind):
        for k in _GROUPING_KINDS:
            setattr(self, k, kind.get(k))

    def __call__(self):
        return self

    def __repr__(self):
        for k in _GROUPING_KINDS:
            v = getattr(self, k)
            if v is not None:
                return k.upper() if isinstance(v, NullStruct) else "{}({!r})".format(k, v)
        return "Grouping()"


def _field_list(kind, fields):
    if len(fields) == 1 and isinstance(fields[0], (list, tuple)):
        fields = fields[0]
    fields = list(fields)
    if not fields:
        raise ValueError("List cannot be empty for {} grouping".format(kind))
    for f in fields:
        if not isinstance(f, str):
            raise TypeError("{} grouping field names must be strings; given: {!r}".format(kind, f))
    return fields


class Grouping(object):
    """How a stream's tuples are split among a bolt's tasks (streamparse's ``Grouping``)."""

    __slots__ = ()
    SHUFFLE = _Grouping(shuffle=NullStruct())
    GLOBAL = _Grouping(fields=[])
    DIRECT = _Grouping(direct=NullStruct())
    ALL = _Grouping(all=NullStruct())
    NONE = _Grouping(none=NullStruct())
    LOCAL_OR_SHUFFLE = _Grouping(local_or_shuffle=NullStruct())
    shuffle = SHUFFLE
    global_ = GLOBAL
    direct = DIRECT
    all = ALL
    none = NONE
    local_or_shuffle = LOCAL_OR_SHUFFLE

    @classmethod
    def fields(cls, *fields):
        """Tuples with equal values of these fields go to the same task."""
        return _Grouping(fields=_field_list("fields", fields))

    @classmethod
    def partial_key(cls, *fields):
        """Like fields, but each key is split over two tasks to even out hot keys."""
        return _Grouping(partial_key=_field_list("partial_key", fields))

    @classmethod
    def custom_object(cls, java_class_name, arg_list):
        return _Grouping(custom_object={"full_class_name": java_class_name, "args_list": list(arg_list)})

    @classmethod
    def custom_serialized(cls, java_serialized):
        return _Grouping(custom_serialized=java_serialized)


def _is_grouping(value):
    return all(hasattr(value, k) for k in ("fields", "shuffle", "direct"))


class _Common(object):
    def __init__(self, inputs, streams, parallelism_hint, json_conf):
        self.inputs = inputs
        self.streams = streams
        self.parallelism_hint = parallelism_hint
        self.json_conf = json_conf


class _Shell(object):
    def __init__(self, execution_command, script):
        self.execution_command = execution_command
        self.script = script


class _JavaObject(object):
    def __init__(self, full_class_name, args_list):
        self.full_class_name = full_class_name
        self.args_list = args_list


class _ComponentObject(object):
    def __init__(self, shell=None, java_object=None, serialized_java=None):
        self.shell = shell
        self.java_object = java_object
        self.serialized_java = serialized_java


class ComponentSpec(object):
    """A component's place in a topology: name, inputs, parallelism, config, outputs."""

    def __init__(self, component_cls, name=None, inputs=None, par=1, config=None, outputs=None):
        self.component_cls = component_cls
        self.name = name
        self.par = self._sanitize_par(component_cls, par)
        self.config = self._sanitize_config(component_cls, config)
        self.outputs = self._sanitize_outputs(component_cls, outputs)
        self.inputs = self._sanitize_inputs(inputs)
        self.common = _Common(self.inputs, self.outputs, self.par, self.config)

    @staticmethod
    def _sanitize_par(component_cls, par):
        if par is None:
            par = getattr(component_cls, "par", 1)
        if isinstance(par, bool) or not isinstance(par, int):
            raise TypeError("Parallelism hint must be an integer greater than 0. Given: {!r}".format(par))
        if par < 1:
            raise ValueError("Parallelism hint must be an integer greater than 0. Given: {}".format(par))
        return par

    @staticmethod
    def _sanitize_config(component_cls, config):
        if config is None:
            config = getattr(component_cls, "config", None)
        if config is None:
            return "{}"
        if not isinstance(config, dict):
            raise TypeError("Config must either be a dict or None.  Given: {!r}".format(config))
        return json.dumps(config)

    @staticmethod
    def _sanitize_outputs(component_cls, outputs):
        if outputs is None:
            outputs = getattr(component_cls, "outputs", None)
        if outputs is None:
            outputs = []
        if not isinstance(outputs, (list, tuple)):
            raise TypeError("Outputs must either be a list of strings or a list of Streams.  Given: {!r}".format(outputs))
        streams = {}
        for output in outputs:
            if isinstance(output, Stream) or (hasattr(output, "fields") and hasattr(output, "name") and hasattr(output, "direct")):
                streams[output.name] = StreamInfo(output_fields=output.fields, direct=output.direct)
            elif isinstance(output, str):
                streams.setdefault("default", StreamInfo()).output_fields.append(output)
            else:
                raise TypeError(
                    "Outputs must either be a list of strings or a list of Streams.  Invalid entry: {!r}".format(output)
                )
        return streams

    @staticmethod
    def _sanitize_inputs(inputs):
        if isinstance(inputs, dict):
            result = {}
            for key, val in inputs.items():
                if isinstance(key, ComponentSpec):
                    key = key["default"]
                elif not isinstance(key, GlobalStreamId):
                    raise TypeError(
                        "If inputs is a dict, it is expected to map from GlobalStreamId or ComponentSpec "
                        "objects to Grouping objects.  Given key: {!r}; Given value: {!r}".format(key, val)
                    )
                if not _is_grouping(val):
                    raise TypeError(
                        "If inputs is a dict, it is expected to map from GlobalStreamId or ComponentSpec "
                        "objects to Grouping objects.  Given key: {!r}; Given value: {!r}".format(key, val)
                    )
                result[key] = val
            return result
        if isinstance(inputs, ComponentSpec):
            inputs = [inputs]
        if inputs is None:
            return {}
        if not isinstance(inputs, (list, tuple)):
            raise TypeError("Inputs must either be a list, dict, or None.  Given: {!r}".format(inputs))
        result = {}
        for spec in inputs:
            grouping = Grouping.SHUFFLE
            if isinstance(spec, ComponentSpec):
                stream_id = GlobalStreamId(componentId=spec.name or spec, streamId="default")
                default = spec.outputs.get("default")
                if default is not None and default.direct:
                    grouping = Grouping.DIRECT
            elif isinstance(spec, GlobalStreamId):
                stream_id = spec
            else:
                raise TypeError("Inputs must be ComponentSpec or GlobalStreamId objects.  Given: {!r}".format(spec))
            result[stream_id] = grouping
        return result

    def __getitem__(self, stream):
        if stream not in self.outputs:
            raise KeyError(
                "Invalid stream for {}: {!r}. Valid streams are: {}".format(self.name, stream, list(self.outputs.keys()))
            )
        return GlobalStreamId(componentId=self.name or self, streamId=stream)

    def __repr__(self):
        return "{}({}, name={!r})".format(type(self).__name__, self.component_cls.__name__, self.name)


class ShellComponentSpec(ComponentSpec):
    """A component run as a multi-lang child: ``command`` plus one argument, ``script``."""

    is_bolt = False

    def __init__(self, component_cls, name=None, command=None, script=None, inputs=None, par=1, config=None, outputs=None):
        super(ShellComponentSpec, self).__init__(component_cls, name=name, inputs=inputs, par=par, config=config, outputs=outputs)
        if not command:
            raise ValueError("command is required")
        if script is None:
            raise TypeError(
                "script must not be None.  If your command does not take arguments, specify the empty string for script."
            )
        self.component_object = _ComponentObject(shell=_Shell(command, script))


class JavaComponentSpec(ComponentSpec):
    """A JVM component: accepted by the DSL, refused by Squall when the topology is read."""

    is_bolt = False

    def __init__(self, component_cls, name=None, serialized_java=None, full_class_name=None, args_list=None,
                 inputs=None, par=1, config=None, outputs=None):
        super(JavaComponentSpec, self).__init__(component_cls, name=name, inputs=inputs, par=par, config=config, outputs=outputs)
        if serialized_java is not None:
            self.component_object = _ComponentObject(serialized_java=serialized_java)
        else:
            if not full_class_name:
                raise ValueError("full_class_name is required")
            if args_list is None:
                raise TypeError("args_list must not be None")
            self.component_object = _ComponentObject(java_object=_JavaObject(full_class_name, list(args_list)))


class ShellBoltSpec(ShellComponentSpec):
    is_bolt = True


class ShellSpoutSpec(ShellComponentSpec):
    def __init__(self, component_cls, name=None, command=None, script=None, par=1, config=None, outputs=None):
        super(ShellSpoutSpec, self).__init__(component_cls, name=name, command=command, script=script, par=par, config=config, outputs=outputs)


class JavaBoltSpec(JavaComponentSpec):
    is_bolt = True


class JavaSpoutSpec(JavaComponentSpec):
    def __init__(self, component_cls, name=None, serialized_java=None, full_class_name=None, args_list=None,
                 par=1, config=None, outputs=None):
        super(JavaSpoutSpec, self).__init__(component_cls, name=name, serialized_java=serialized_java,
                                            full_class_name=full_class_name, args_list=args_list, par=par,
                                            config=config, outputs=outputs)


class TopologyType(type):
    """Collects the ComponentSpec attributes of a ``Topology`` subclass and checks them."""

    def __new__(mcs, classname, bases, class_dict):
        specs = {}
        for attr, spec in list(class_dict.items()):
            if isinstance(spec, ComponentSpec):
                if spec.name is None:
                    spec.name = attr
                if spec.name in specs:
                    raise ValueError("Duplicate component name: {}".format(spec.name))
                specs[spec.name] = spec
            elif isinstance(spec, Component):
                raise TypeError(
                    "Topology classes should have ComponentSpec attributes.  Did you forget to call the spec "
                    "class method for your component?  Given: {!r}".format(spec)
                )
        bolts, spouts = {}, {}
        for spec in specs.values():
            if spec.is_bolt:
                if not spec.inputs:
                    raise ValueError('{} "{}" requires at least one input, because it is a Bolt.'.format(spec.component_cls.__name__, spec.name))
                bolts[spec.name] = spec
            else:
                if not spec.outputs:
                    raise ValueError('{} "{}" requires at least one output, because it is a Spout'.format(spec.component_cls.__name__, spec.name))
                spouts[spec.name] = spec
            mcs.clean_spec_inputs(spec, specs)
        if classname != "Topology" and not spouts:
            raise ValueError("A Topology requires at least one Spout")
        config = class_dict.get("config", {})
        if not isinstance(config, dict):
            raise TypeError("Topology config must be a dictionary. Given: {!r}".format(config))
        class_dict["config"] = config
        class_dict["thrift_bolts"] = bolts
        class_dict["thrift_spouts"] = spouts
        class_dict["specs"] = list(specs.values())
        return type.__new__(mcs, classname, bases, class_dict)

    @classmethod
    def clean_spec_inputs(mcs, spec, specs):
        for stream_id, grouping in list(spec.inputs.items()):
            if isinstance(stream_id.componentId, ComponentSpec):
                del spec.inputs[stream_id]
                source = stream_id.componentId
                if source.name is None or specs.get(source.name) is not source:
                    raise ValueError(
                        "{} {!r} subscribes to a component that is not an attribute of this Topology: {!r}".format(
                            spec.component_cls.__name__, spec.name, source
                        )
                    )
                stream_id.componentId = source.name
                spec.inputs[stream_id] = grouping
            if stream_id.componentId not in specs:
                raise ValueError(
                    "{} {!r} subscribes to unknown component {!r} (components: {})".format(
                        spec.component_cls.__name__, spec.name, stream_id.componentId, ", ".join(sorted(specs))
                    )
                )
            source = specs[stream_id.componentId]
            if stream_id.streamId not in source.outputs:
                raise ValueError(
                    "{!r} declares no stream {!r} (declared: {})".format(source.name, stream_id.streamId, ", ".join(source.outputs) or "none")
                )
            valid = set(source.outputs[stream_id.streamId].output_fields)
            for kind in ("fields", "partial_key"):
                for field in getattr(grouping, kind) or []:
                    if field not in valid:
                        raise ValueError(
                            "Field {!r} specified in grouping is not a valid output field for the {!r} {!r} stream.".format(
                                field, source.name, stream_id.streamId
                            )
                        )


Topology = TopologyType("Topology", (object,), {"__doc__": "Base class of a topology written in the Python DSL."})
