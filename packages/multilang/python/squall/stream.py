"""Output stream declarations (streamparse's ``Stream``)."""

import keyword

__all__ = ["Stream", "normalize_outputs"]


class Stream(object):
    """An output stream: ``Stream(fields=['word'], name='default', direct=False)``."""

    __slots__ = ("fields", "name", "direct")

    def __init__(self, fields=None, name="default", direct=False):
        if fields is None:
            fields = []
        elif isinstance(fields, (list, tuple)):
            fields = list(fields)
            for field in fields:
                if not isinstance(field, str):
                    raise TypeError("All field names must be strings; given: {!r}".format(field))
        else:
            raise TypeError("Stream fields must be a list, tuple, or None; given: {!r}".format(fields))
        if not isinstance(name, str):
            raise TypeError("Stream name must be a string; given: {!r}".format(name))
        if not isinstance(direct, bool):
            raise TypeError('"direct" must be either True or False; given: {!r}'.format(direct))
        self.fields = fields
        self.name = name
        self.direct = direct

    def to_dict(self):
        return {"fields": list(self.fields), "direct": self.direct}

    def __eq__(self, other):
        return isinstance(other, Stream) and (self.fields, self.name, self.direct) == (
            other.fields,
            other.name,
            other.direct,
        )

    def __repr__(self):
        return "Stream(fields={!r}, name={!r}, direct={!r})".format(self.fields, self.name, self.direct)


def normalize_outputs(outputs):
    """``outputs`` (None, list of field names, or list of Stream) -> {name: Stream}.

    Raises ValueError for a mix of both forms, duplicate stream names, or field names
    that are not valid Python identifiers (pystorm builds namedtuples from them)."""
    if not outputs:
        return {}
    if isinstance(outputs, (str, bytes)) or not isinstance(outputs, (list, tuple)):
        raise TypeError("outputs must be a list of field names or of Stream objects; given: {!r}".format(outputs))
    if all(isinstance(o, str) for o in outputs):
        streams = [Stream(fields=list(outputs))]
    elif all(isinstance(o, Stream) for o in outputs):
        streams = list(outputs)
    else:
        raise TypeError("outputs must be all field names or all Stream objects; given: {!r}".format(outputs))
    result = {}
    for s in streams:
        if s.name in result:
            raise ValueError("duplicate output stream {!r}".format(s.name))
        if len(set(s.fields)) != len(s.fields):
            raise ValueError("duplicate field names in stream {!r}: {!r}".format(s.name, s.fields))
        for f in s.fields:
            if not f.isidentifier() or keyword.iskeyword(f) or f.startswith("_"):
                raise ValueError(
                    "field name {!r} of stream {!r} is not usable (must be a Python identifier, "
                    "not a keyword, not starting with '_')".format(f, s.name)
                )
        result[s.name] = s
    return result
