"""gridplan:run — run a scenario file into an output folder."""
import os
import re

from qgis.core import (
    QgsProcessingAlgorithm,
    QgsProcessingException,
    QgsProcessingParameterDefinition,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFile,
    QgsProcessingParameterFolderDestination,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
)
from qgis.PyQt.QtCore import QCoreApplication
from qgis.PyQt.QtGui import QIcon

from . import outputs, runner

ICON = os.path.join(os.path.dirname(__file__), 'icon.svg')
MODES = ['as in the scenario', 'units', 'cells']
# SECTION.KEY=VALUE, as `gridplan --set` takes it (keys of [case_weights]
# are case types, which may hold any character but '='); gridplan checks the rest
SET_RE = re.compile(r'^[a-z_]+\.[^=]+=.+$')


def split_list(text):
    """Items separated by ';' or new lines, blanks dropped."""
    return [t.strip() for t in re.split(r'[;\n]', text or '') if t.strip()]


class GridplanAlgorithm(QgsProcessingAlgorithm):
    """What the three algorithms share."""

    def tr(self, text):
        return QCoreApplication.translate('gridplan', text)

    def createInstance(self):  # noqa: N802 (QGIS API)
        return type(self)()

    def group(self):
        return ''

    def groupId(self):  # noqa: N802 (QGIS API)
        return ''

    def icon(self):
        return QIcon(ICON)

    def helpUrl(self):  # noqa: N802 (QGIS API)
        return ''

    @staticmethod
    def optional(parameters, name):
        """The raw value of an optional parameter, None when not given."""
        value = parameters.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        return value

    def optional_number(self, parameters, name, context):
        if self.optional(parameters, name) is None:
            return None
        return self.parameterAsDouble(parameters, name, context)

    @staticmethod
    def advanced(param):
        param.setFlags(param.flags() | QgsProcessingParameterDefinition.FlagAdvanced)
        return param


class RunAlgorithm(GridplanAlgorithm):

    def name(self):
        return 'run'

    def displayName(self):  # noqa: N802 (QGIS API)
        return self.tr('Run a scenario')

    def shortHelpString(self):  # noqa: N802 (QGIS API)
        return self.tr(
            'Runs `gridplan run SCENARIO --out OUTPUT`: divides every community of the scenario into '
            'grids within its bounds and writes grids.gpkg, atoms.gpkg, report.json, report.html '
            '(and assignments.csv with a roster) to the output folder, which is replaced as a whole. '
            'The grids and atoms are loaded with a style by grid id (saved as grids.qml and atoms.qml '
            'beside them).\n\n'
            'The optional overrides replace the scenario\'s keys for this run only (gridplan --set): '
            'bounds are ranges such as 300..500, ..1500 or 300.. ; cell size is in metres '
            '([atoms] size); effort scales the search work ([solver] effort, 0.2 for a quick look). '
            'More overrides take SECTION.KEY=VALUE items separated by ";" or new lines, e.g. '
            'objective.stability=1; grid.count=auto.\n\n'
            'When some community cannot meet its bounds the output is still written (gridplan exit '
            'code 5): the run succeeds with a warning naming the communities, and report.json and '
            'the layers\' status field say why. Cancelling interrupts gridplan, which then writes '
            'nothing and leaves a previous output in the folder as it was.\n\n'
            'The gridplan executable is $GRIDPLAN_BIN, else the Processing setting (Providers > '
            'gridplan), else gridplan on PATH. Scenario keys: docs/scenario.md; outputs: '
            'docs/report.md.')

    def initAlgorithm(self, config=None):  # noqa: N802 (QGIS API)
        self.addParameter(QgsProcessingParameterFile(
            'SCENARIO', self.tr('Scenario file (.ini)'), QgsProcessingParameterFile.File,
            fileFilter=self.tr('Scenario files (*.ini);;All files (*)')))
        self.addParameter(QgsProcessingParameterFolderDestination('OUTPUT', self.tr('Output folder')))
        self.addParameter(QgsProcessingParameterString(
            'HOUSEHOLDS', self.tr('Households per grid, e.g. 300..500 (empty: as in the scenario)'),
            optional=True))
        self.addParameter(QgsProcessingParameterString(
            'POPULATION', self.tr('Population per grid, e.g. ..1500 (empty: as in the scenario)'),
            optional=True))
        self.addParameter(QgsProcessingParameterEnum(
            'MODE', self.tr('Atoms'), MODES, defaultValue=0, optional=True))
        self.addParameter(QgsProcessingParameterNumber(
            'CELL_SIZE', self.tr('Cell size, metres (empty: as in the scenario)'),
            QgsProcessingParameterNumber.Double, optional=True, minValue=0.001, maxValue=1e6))
        self.addParameter(QgsProcessingParameterNumber(
            'EFFORT', self.tr('Search effort (empty: as in the scenario; 1 is the default)'),
            QgsProcessingParameterNumber.Double, optional=True, minValue=0.001, maxValue=1000))
        self.addParameter(self.advanced(QgsProcessingParameterString(
            'SETTINGS', self.tr('More overrides: SECTION.KEY=VALUE separated by ";" or new lines'),
            optional=True, multiLine=True)))
        outputs.add_outputs(self)

    def overrides(self, parameters, context):
        """The --set pairs of the optional parameters."""
        sets = []
        for name, key in (('HOUSEHOLDS', 'grid.households'), ('POPULATION', 'grid.population')):
            if self.optional(parameters, name) is not None:
                sets.append((key, self.parameterAsString(parameters, name, context).strip()))
        # the size before the mode: gridplan checks the scenario after each
        # --set, and mode = cells without a size is an error
        size = self.optional_number(parameters, 'CELL_SIZE', context)
        if size is not None:
            sets.append(('atoms.size', runner.number(size)))
        mode = self.parameterAsEnum(parameters, 'MODE', context) if self.optional(parameters, 'MODE') is not None else 0
        if mode:
            sets.append(('atoms.mode', MODES[mode]))
        effort = self.optional_number(parameters, 'EFFORT', context)
        if effort is not None:
            sets.append(('solver.effort', runner.number(effort)))
        for item in split_list(self.parameterAsString(parameters, 'SETTINGS', context)):
            if not SET_RE.match(item):
                raise QgsProcessingException(
                    'more overrides: "{}" is not SECTION.KEY=VALUE (e.g. grid.count=auto)'.format(item))
            key, value = item.split('=', 1)
            sets.append((key.strip(), value.strip()))
        return sets

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802 (QGIS API)
        scenario = self.parameterAsFile(parameters, 'SCENARIO', context)
        if not scenario or not os.path.isfile(scenario):
            raise QgsProcessingException('scenario file not found: {}'.format(scenario))
        out_dir = os.path.abspath(self.parameterAsFileOutput(parameters, 'OUTPUT', context))
        return outputs.run_scenario(os.path.abspath(scenario), out_dir, self.overrides(parameters, context),
                                    context, feedback)
