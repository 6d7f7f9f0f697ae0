"""``streamparse_run module.Class`` / ``python3 -m streamparse.run module.Class`` (Squall's stand-in).

Same arguments as streamparse's runner (``-s json|msgpack``, or everything in one argv element).
"""

from squall.run import main

if __name__ == "__main__":
    main()
