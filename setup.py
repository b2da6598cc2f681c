"""Installs the folders ``server/`` and ``explain/`` as ``prosepy.server`` and ``prosepy.explain``.

The design card fixes the folder names; the installed names live under ``prosepy`` so that a
user's own ``server.py`` or ``explain.py`` (or another distribution's ``server`` package) can
never shadow them. ``prosepy`` is a namespace package: it has no folder of its own.
"""

from setuptools import find_namespace_packages, setup

FOLDERS = ("server", "explain")
packages = {
    f"prosepy.{name}": name.replace(".", "/")
    # namespace search: folders of plain scripts (server/sandbox/runtime, which the sandboxed
    # interpreter runs by path) have no __init__.py and must ship all the same
    for name in find_namespace_packages(
        include=[f"{folder}*" for folder in FOLDERS], exclude=["*__pycache__*"]
    )
}
setup(packages=sorted(packages), package_dir=packages)
