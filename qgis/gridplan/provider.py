"""The Processing provider `gridplan`."""
import os

from qgis.PyQt.QtGui import QIcon
from qgis.core import QgsProcessingProvider

from . import runner
from .alg_compare import CompareAlgorithm
from .alg_design import DesignAlgorithm
from .alg_run import RunAlgorithm

ICON = os.path.join(os.path.dirname(__file__), 'icon.svg')


def _config():
    """Processing's settings registry, absent when the Processing plugin
    is not loaded (the provider then still works through GRIDPLAN_BIN or
    PATH)."""
    try:
        from processing.core.ProcessingConfig import ProcessingConfig, Setting
        return ProcessingConfig, Setting
    except ImportError:
        return None, None


class GridplanProvider(QgsProcessingProvider):

    def load(self):
        config, setting = _config()
        if config is not None:
            config.settingIcons[self.name()] = self.icon()
            config.addSetting(setting(
                self.name(), runner.SETTING_BIN,
                self.tr('gridplan executable (GRIDPLAN_BIN in the environment comes first; empty: gridplan on PATH)'),
                '', valuetype=setting.FILE))
            config.readSettings()
        self.refreshAlgorithms()
        return True

    def unload(self):
        config, _ = _config()
        if config is not None and runner.SETTING_BIN in config.settings:
            config.removeSetting(runner.SETTING_BIN)

    def loadAlgorithms(self):  # noqa: N802 (QGIS API)
        for alg in (RunAlgorithm(), DesignAlgorithm(), CompareAlgorithm()):
            self.addAlgorithm(alg)

    def id(self):
        return 'gridplan'

    def name(self):
        return 'gridplan'

    def longName(self):  # noqa: N802 (QGIS API)
        return 'gridplan: community management grids'

    def icon(self):
        return QIcon(ICON)

    def svgIconPath(self):  # noqa: N802 (QGIS API)
        return ICON
