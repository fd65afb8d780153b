"""The wheel's package layout (everything else is in pyproject.toml).

The repository keeps the plugin (``fixtures/``), the command line (``tools/``), the suites (``suites/``),
the object definitions (``objects/``) and the report configuration (``reports/``) at the top, as
DESIGN.md's layout asks; the distribution installs each of them *inside* the ``meterproof`` package
(``meterproof.fixtures``, ``meterproof.tools``, ``meterproof.suites``, ``meterproof/objects/``,
``meterproof/reports/``), so ``meterproof`` is its only top-level import name.  The package list is
computed here, so a new subpackage in any room is carried without editing a list.
"""

from setuptools import find_namespace_packages, setup

#: repository folder -> its name inside the installed ``meterproof`` package
ROOMS = {"fixtures": "meterproof.fixtures", "tools": "meterproof.tools", "suites": "meterproof.suites"}
#: data-only folders: carried as package data (only these file kinds; never run output)
DATA_ROOMS = {"objects": ("meterproof.objects", ["*.xml"]),
              "reports": ("meterproof.reports", ["*.json", "*.md", "*.yaml", "templates/*"])}

packages = find_namespace_packages(include=["meterproof", "meterproof.*"], exclude=["*__pycache__*"])
package_dir = {}
for folder, name in ROOMS.items():
    package_dir[name] = folder
    packages.append(name)
    for sub in find_namespace_packages(where=folder, exclude=["*__pycache__*"]):
        packages.append(f"{name}.{sub}")
        package_dir[f"{name}.{sub}"] = f"{folder}/{sub.replace('.', '/')}"
for folder, (name, _) in DATA_ROOMS.items():
    package_dir[name] = folder
    packages.append(name)

package_data = {
    "meterproof": ["py.typed"],
    "meterproof.dut": ["modem_families/*.yaml"],
    "meterproof.dtls": ["*.yaml"],
    "meterproof.fixtures": ["profiles/*.yaml", "profiles/*/*.yaml", "profiles/*/*/*.xml", "declarations/*.yaml"],
    "meterproof.tools": ["*.ini"],
    "meterproof.suites.fuzz": ["corpus/*.json", "corpus/*.bin"],
    **{name: patterns for name, patterns in DATA_ROOMS.values()},
}

setup(packages=packages, package_dir=package_dir, package_data=package_data)
