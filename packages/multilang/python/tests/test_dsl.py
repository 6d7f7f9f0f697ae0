"""streamparse's topology DSL as squall.dsl provides it (and the streamparse stand-in exports it)."""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.append(os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "compat"))

from squall.dsl import Grouping, Stream, Topology  # noqa: E402
from streamparse import Bolt, JavaBolt, ShellBolt, Spout  # noqa: E402


class Words(Spout):
    outputs = [Stream(fields=["word"]), Stream(fields=["word", "n"], name="numbered")]


class Count(Bolt):
    outputs = ["word", "count"]


def make(body):
    return type(Topology)("T", (Topology,), dict(body))


class DslTest(unittest.TestCase):
    def test_specs_take_their_attribute_names_and_carry_streamparse_attributes(self):
        words = Words.spec(par=2)
        count = Count.spec(inputs={words: Grouping.fields("word")}, config={"a": 1})
        t = make({"words": words, "count": count})
        self.assertEqual([s.name for s in t.specs], ["words", "count"])
        self.assertEqual(sorted(t.thrift_spouts), ["words"])
        self.assertEqual(sorted(t.thrift_bolts), ["count"])
        shell = count.component_object.shell
        self.assertEqual((shell.execution_command, shell.script), ("streamparse_run", "{}.Count".format(__name__)))
        ((stream_id, grouping),) = count.inputs.items()
        self.assertEqual((stream_id.componentId, stream_id.streamId, grouping.fields), ("words", "default", ["word"]))
        self.assertEqual(count.config, '{"a": 1}')
        self.assertEqual(words.outputs["numbered"].output_fields, ["word", "n"])

    def test_groupings_callable_or_not(self):
        self.assertIs(Grouping.shuffle(), Grouping.SHUFFLE)
        self.assertIs(Grouping.global_, Grouping.GLOBAL)
        self.assertEqual(Grouping.GLOBAL.fields, [])
        self.assertEqual(Grouping.fields(["a", "b"]).fields, ["a", "b"])
        self.assertEqual(Grouping.partial_key("a").partial_key, ["a"])
        with self.assertRaisesRegex(ValueError, "cannot be empty"):
            Grouping.fields()

    def test_list_inputs_shuffle_and_named_streams(self):
        words = Words.spec()
        count = Count.spec(inputs=[words, words["numbered"]])
        make({"words": words, "count": count})
        self.assertEqual(sorted((k.streamId, v is Grouping.SHUFFLE) for k, v in count.inputs.items()), [("default", True), ("numbered", True)])
        with self.assertRaisesRegex(KeyError, "Invalid stream for words: 'nope'"):
            words["nope"]

    def test_streamparse_checks(self):
        words = Words.spec()
        with self.assertRaisesRegex(ValueError, "Field 'nope' specified in grouping is not a valid output field for the 'words' 'default' stream"):
            make({"words": words, "count": Count.spec(inputs={words: Grouping.fields("nope")})})
        with self.assertRaisesRegex(ValueError, 'requires at least one input, because it is a Bolt'):
            make({"words": Words.spec(), "count": Count.spec()})
        with self.assertRaisesRegex(ValueError, "A Topology requires at least one Spout"):
            make({})
        with self.assertRaisesRegex(ValueError, "Duplicate component name: x"):
            make({"a": Words.spec(name="x"), "b": Words.spec(name="x")})
        with self.assertRaisesRegex(ValueError, "Parallelism hint must be an integer greater than 0"):
            Words.spec(par=0)
        orphan = Words.spec()
        with self.assertRaisesRegex(ValueError, "not an attribute of this Topology"):
            make({"words": Words.spec(), "count": Count.spec(inputs=[orphan])})

    def test_shell_and_java_components(self):
        words = Words.spec()
        node = ShellBolt.spec(command="node", script="split.js", inputs=[words], outputs=["part"])
        java = JavaBolt.spec(full_class_name="com.example.X", args_list=[1], inputs=[words])
        make({"words": words, "node": node, "java": java})
        self.assertEqual(node.component_object.shell.execution_command, "node")
        self.assertIsNone(java.component_object.shell)
        self.assertEqual(java.component_object.java_object.full_class_name, "com.example.X")


if __name__ == "__main__":
    unittest.main()
