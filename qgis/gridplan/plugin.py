"""The plugin object QGIS loads: it only registers the Processing provider,
in initProcessing so that qgis_process (which has no GUI and never calls
initGui) gets the algorithms too."""
from qgis.core import QgsApplication

from .provider import GridplanProvider


class GridplanPlugin:

    def __init__(self, iface):
        self.iface = iface
        self.provider = None

    def initProcessing(self):  # noqa: N802 (QGIS API)
        if self.provider is None:
            self.provider = GridplanProvider()
            QgsApplication.processingRegistry().addProvider(self.provider)

    def initGui(self):  # noqa: N802 (QGIS API)
        self.initProcessing()

    def unload(self):
        if self.provider is not None:
            QgsApplication.processingRegistry().removeProvider(self.provider)
            self.provider = None
