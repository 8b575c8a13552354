"""Browser libraries published with every site, taken from installed Python packages.

Leaflet (maps) and Leaflet.markercluster come from the XStatic packages on
PyPI (``XStatic-Leaflet``, ``XStatic-Leaflet-MarkerCluster``): pinned in
pyproject.toml, installed with ocop-site, copied by the build into
``static/vendor/<library>/`` next to the theme's files, and never fetched from
a CDN. They are not committed to this repository a second time. A theme or
site ``static/vendor/...`` file of the same name takes precedence.

Each library's licence is published beside it (``LICENSE``), as both licences ask.
"""

from __future__ import annotations

import importlib
from pathlib import Path

#: output folder under static/ → (Python package, files copied from its data folder)
LIBRARIES: dict[str, tuple[str, tuple[str, ...]]] = {
    "vendor/leaflet": ("xstatic.pkg.leaflet", (
        "leaflet.js", "leaflet.js.map", "leaflet.css",
        "images/layers.png", "images/layers-2x.png",
        "images/marker-icon.png", "images/marker-icon-2x.png", "images/marker-shadow.png")),
    "vendor/leaflet.markercluster": ("xstatic.pkg.leaflet_markercluster", (
        "leaflet.markercluster.js", "MarkerCluster.css")),
}

_BSD2 = """\
BSD 2-Clause License

Copyright (c) 2010-2022, Vladimir Agafonkin
Copyright (c) 2010-2011, CloudMade
All rights reserved.

Redistribution and use in source and binary forms, with or without modification, are
permitted provided that the following conditions are met:

   1. Redistributions of source code must retain the above copyright notice, this list of
      conditions and the following disclaimer.

   2. Redistributions in binary form must reproduce the above copyright notice, this list
      of conditions and the following disclaimer in the documentation and/or other materials
      provided with the distribution.

THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS "AS IS" AND ANY
EXPRESS OR IMPLIED WARRANTIES, INCLUDING, BUT NOT LIMITED TO, THE IMPLIED WARRANTIES OF
MERCHANTABILITY AND FITNESS FOR A PARTICULAR PURPOSE ARE DISCLAIMED. IN NO EVENT SHALL THE
COPYRIGHT HOLDER OR CONTRIBUTORS BE LIABLE FOR ANY DIRECT, INDIRECT, INCIDENTAL, SPECIAL,
EXEMPLARY, OR CONSEQUENTIAL DAMAGES (INCLUDING, BUT NOT LIMITED TO, PROCUREMENT OF SUBSTITUTE
GOODS OR SERVICES; LOSS OF USE, DATA, OR PROFITS; OR BUSINESS INTERRUPTION) HOWEVER CAUSED
AND ON ANY THEORY OF LIABILITY, WHETHER IN CONTRACT, STRICT LIABILITY, OR TORT (INCLUDING
NEGLIGENCE OR OTHERWISE) ARISING IN ANY WAY OUT OF THE USE OF THIS SOFTWARE, EVEN IF ADVISED
OF THE POSSIBILITY OF SUCH DAMAGE.
"""

_MIT = """\
Copyright 2012 David Leaver

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in
all copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN
THE SOFTWARE.
"""

LICENSES: dict[str, str] = {
    "vendor/leaflet/LICENSE": "Leaflet — https://leafletjs.com\n\n" + _BSD2,
    "vendor/leaflet.markercluster/LICENSE":
        "Leaflet.markercluster — https://github.com/Leaflet/Leaflet.markercluster\n\n" + _MIT,
}


def vendor_files() -> dict[str, Path]:
    """Static path ("vendor/leaflet/leaflet.js") → installed file, for every library installed.

    A library whose package is missing is left out: its pages keep their lists,
    only the interactive map is missing (install ocop-site's dependencies).
    """
    files: dict[str, Path] = {}
    for folder, (package, names) in LIBRARIES.items():
        try:
            base = Path(importlib.import_module(package).BASE_DIR)
        except ImportError:
            continue
        for name in names:
            if (base / name).is_file():
                files[f"{folder}/{name}"] = base / name
    return files
