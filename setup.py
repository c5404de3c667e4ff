"""The one compiled module, the media plane's fan-out (server/media/_fanout.c): built by
``pip install -e .``; without it the media plane forwards in pure Python."""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "server.media._fanout",
            ["server/media/_fanout.c"],
            extra_compile_args=["-O2", "-std=c11", "-Wall", "-Wextra", "-Wno-unused-parameter"],
            optional=True,
        )
    ]
)
