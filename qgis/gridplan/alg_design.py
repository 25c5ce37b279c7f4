"""gridplan:design — a scenario from the layers of the project, then a run."""
import os
import re

from qgis.core import (
    QgsFeature,
    QgsFeatureRequest,
    QgsField,
    QgsFields,
    QgsGeometry,
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingParameterCrs,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterFolderDestination,
    QgsProcessingParameterNumber,
    QgsVectorFileWriter,
    QgsWkbTypes,
)
from qgis.PyQt.QtCore import QVariant

from . import outputs, runner
from .alg_run import GridplanAlgorithm

MODES = ['units', 'cells']
# gridplan rejects longer scenario lines
MAX_LINE = 190
# share of the progress bar taken by copying the layers
EXPORT_SHARE = 10.0


def _range(lo, hi):
    """A gridplan range from optional ends: MIN..MAX, MIN.. or ..MAX."""
    return '{}..{}'.format('' if lo is None else runner.number(lo), '' if hi is None else runner.number(hi))


def _safe_name(text):
    """A file name part that cannot end a scenario value early (' ;' starts
    a comment there) or leave the folder."""
    return re.sub(r'[^\w.-]+', '_', text).strip('._') or 'scenario'


class DesignAlgorithm(GridplanAlgorithm):

    def name(self):
        return 'design'

    def displayName(self):  # noqa: N802 (QGIS API)
        return self.tr('Design grids from layers')

    def shortHelpString(self):  # noqa: N802 (QGIS API)
        return self.tr(
            'Writes a gridplan scenario from the layers and fields chosen here, then runs it as '
            '"Run a scenario" does.\n\n'
            'Each layer is copied (its selected features when "selected features only" is ticked, '
            'and only the fields named here, under fixed names: unit_id, households, population; '
            'community_id, name; type) to a GeoPackage beside the scenario file, named after it '
            '(SCENARIO-units.gpkg, SCENARIO-communities.gpkg, SCENARIO-cases.gpkg). The scenario '
            'names them by relative paths, so the folder can be moved and the scenario rerun with '
            '`gridplan run SCENARIO` or "Run a scenario". Without an id field, the feature ids of '
            'the layer become the ids.\n\n'
            'Units need a households or a population field, or both. Without communities, all '
            'units form one community. Cases (points) add to the workload: each case counts as '
            '"workload per case" households; with a type field, report.json and the layers count '
            'cases per type. Bounds left empty are not bounded; at least one bound is needed, as '
            'without one every community becomes a single grid.\n\n'
            'Atoms are the units themselves, or hexagons of the cell size (metres) over each '
            'community with the counts of the units apportioned by area. The working CRS is the '
            'UTM zone of the data unless one is given (a projected CRS in metres).')

    def initAlgorithm(self, config=None):  # noqa: N802 (QGIS API)
        poly = [QgsProcessing.TypeVectorPolygon]
        numeric = QgsProcessingParameterField.Numeric
        self.addParameter(QgsProcessingParameterFeatureSource('UNITS', self.tr('Census units (polygons)'), poly))
        self.addParameter(QgsProcessingParameterField(
            'UNITS_ID', self.tr('Unit id field (empty: the feature id)'), parentLayerParameterName='UNITS',
            optional=True))
        self.addParameter(QgsProcessingParameterField(
            'HOUSEHOLDS', self.tr('Households field'), parentLayerParameterName='UNITS', type=numeric,
            optional=True))
        self.addParameter(QgsProcessingParameterField(
            'POPULATION', self.tr('Population field'), parentLayerParameterName='UNITS', type=numeric,
            optional=True))
        self.addParameter(QgsProcessingParameterFeatureSource(
            'COMMUNITIES', self.tr('Communities (polygons; empty: one community)'), poly, optional=True))
        self.addParameter(QgsProcessingParameterField(
            'COMMUNITIES_ID', self.tr('Community id field (a 12-digit code gives structured grid codes; '
                                      'empty: the feature id)'),
            parentLayerParameterName='COMMUNITIES', optional=True))
        self.addParameter(QgsProcessingParameterField(
            'COMMUNITIES_NAME', self.tr('Community name field'), parentLayerParameterName='COMMUNITIES',
            optional=True))
        self.addParameter(QgsProcessingParameterFeatureSource(
            'CASES', self.tr('Cases (points)'), [QgsProcessing.TypeVectorPoint], optional=True))
        self.addParameter(QgsProcessingParameterField(
            'CASE_TYPE', self.tr('Case type field'), parentLayerParameterName='CASES', optional=True))
        self.addParameter(QgsProcessingParameterNumber(
            'CASE_WORKLOAD', self.tr('Workload per case, in households'), QgsProcessingParameterNumber.Double,
            defaultValue=1.0, minValue=0.0, maxValue=1e9))
        self.addParameter(QgsProcessingParameterNumber(
            'HOUSEHOLDS_MIN', self.tr('Households per grid: minimum'), QgsProcessingParameterNumber.Integer,
            defaultValue=300, optional=True, minValue=0))
        self.addParameter(QgsProcessingParameterNumber(
            'HOUSEHOLDS_MAX', self.tr('Households per grid: maximum'), QgsProcessingParameterNumber.Integer,
            defaultValue=500, optional=True, minValue=1))
        self.addParameter(QgsProcessingParameterNumber(
            'POPULATION_MAX', self.tr('Population per grid: maximum'), QgsProcessingParameterNumber.Integer,
            optional=True, minValue=1))
        self.addParameter(QgsProcessingParameterEnum('MODE', self.tr('Atoms'), MODES, defaultValue=0))
        self.addParameter(QgsProcessingParameterNumber(
            'CELL_SIZE', self.tr('Cell size, metres (cells only)'), QgsProcessingParameterNumber.Double,
            defaultValue=150.0, minValue=0.001, maxValue=1e6))
        self.addParameter(QgsProcessingParameterNumber(
            'EFFORT', self.tr('Search effort (1 is the default; 0.2 for a quick look)'),
            QgsProcessingParameterNumber.Double, defaultValue=1.0, minValue=0.001, maxValue=1000))
        self.addParameter(self.advanced(QgsProcessingParameterCrs(
            'CRS', self.tr('Working CRS (empty: the UTM zone of the data)'), optional=True)))
        self.addParameter(QgsProcessingParameterFileDestination(
            'SCENARIO', self.tr('Scenario file to write'), self.tr('Scenario files (*.ini)')))
        self.addParameter(QgsProcessingParameterFolderDestination('OUTPUT', self.tr('Output folder')))
        outputs.add_outputs(self)

    def field(self, parameters, name, context):
        return (self.parameterAsString(parameters, name, context) or '').strip() or None

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802 (QGIS API)
        units = self.parameterAsSource(parameters, 'UNITS', context)
        if units is None:
            raise QgsProcessingException(self.invalidSourceError(parameters, 'UNITS'))
        communities = self.parameterAsSource(parameters, 'COMMUNITIES', context)
        cases = self.parameterAsSource(parameters, 'CASES', context)
        f_id, f_hh, f_pop = (self.field(parameters, n, context) for n in ('UNITS_ID', 'HOUSEHOLDS', 'POPULATION'))
        f_cid, f_cname = (self.field(parameters, n, context) for n in ('COMMUNITIES_ID', 'COMMUNITIES_NAME'))
        f_type = self.field(parameters, 'CASE_TYPE', context)
        hh_min, hh_max, pop_max = (self.optional_number(parameters, n, context)
                                   for n in ('HOUSEHOLDS_MIN', 'HOUSEHOLDS_MAX', 'POPULATION_MAX'))
        if f_hh is None and f_pop is None:
            raise QgsProcessingException('choose the households field or the population field of the units '
                                         '(or both): grids are made of their counts')
        if (hh_min is not None or hh_max is not None) and f_hh is None:
            raise QgsProcessingException('households per grid are bounded but no households field is chosen: '
                                         'choose it, or clear both households bounds')
        if pop_max is not None and f_pop is None:
            raise QgsProcessingException('population per grid is bounded but no population field is chosen: '
                                         'choose it, or clear the population bound')
        if hh_min is None and hh_max is None and pop_max is None:
            raise QgsProcessingException('set a bound (households per grid, or population per grid): without '
                                         'one every community becomes a single grid')
        if hh_min is not None and hh_max is not None and hh_min > hh_max:
            raise QgsProcessingException('households per grid: the minimum {} is above the maximum {}'.format(
                runner.number(hh_min), runner.number(hh_max)))
        if hh_max == 0:
            raise QgsProcessingException('households per grid: the maximum must be above 0')
        mode = MODES[self.parameterAsEnum(parameters, 'MODE', context)]
        crs = self.parameterAsCrs(parameters, 'CRS', context) if self.optional(parameters, 'CRS') else None
        if crs is not None and crs.isValid() and not crs.authid():
            raise QgsProcessingException('the working CRS needs an AUTHORITY:CODE (e.g. EPSG:32650); {} has '
                                         'none'.format(crs.description()))

        scenario = os.path.abspath(self.parameterAsFileOutput(parameters, 'SCENARIO', context))
        if not scenario.lower().endswith('.ini'):
            scenario += '.ini'
        out_dir = os.path.abspath(self.parameterAsFileOutput(parameters, 'OUTPUT', context))
        folder = os.path.dirname(scenario)
        os.makedirs(folder, exist_ok=True)
        stem = _safe_name(os.path.splitext(os.path.basename(scenario))[0])

        jobs = [('units', units, [('unit_id', f_id), ('households', f_hh), ('population', f_pop)])]
        if communities is not None:
            jobs.append(('communities', communities, [('community_id', f_cid), ('name', f_cname)]))
        if cases is not None:
            jobs.append(('cases', cases, [('type', f_type)] if f_type else []))
        total = sum(max(src.featureCount(), 1) for _, src, _ in jobs)
        done = 0
        files = {}
        for kind, source, columns in jobs:
            name = '{}-{}.gpkg'.format(stem, kind)
            if len('{} = {}'.format(kind, name)) > MAX_LINE:
                name = '{}.gpkg'.format(kind)
            files[kind] = name
            span = (done / total * EXPORT_SHARE, (done + max(source.featureCount(), 1)) / total * EXPORT_SHARE)
            self.export(source, os.path.join(folder, name), kind, columns, context, feedback, span)
            done += max(source.featureCount(), 1)

        lines = self.scenario_lines(files, f_hh, f_pop, f_cname, f_type, cases is not None,
                                    self.parameterAsDouble(parameters, 'CASE_WORKLOAD', context),
                                    hh_min, hh_max, pop_max, mode,
                                    self.parameterAsDouble(parameters, 'CELL_SIZE', context),
                                    self.parameterAsDouble(parameters, 'EFFORT', context),
                                    crs.authid() if crs is not None and crs.isValid() else None,
                                    folder, out_dir)
        with open(scenario, 'w', encoding='utf-8', newline='\n') as f:
            f.write('\n'.join(lines) + '\n')
        feedback.pushInfo('scenario written: {}'.format(scenario))

        results = outputs.run_scenario(scenario, out_dir, [], context, feedback, (EXPORT_SHARE, 100.0))
        results['SCENARIO'] = scenario
        return results

    def export(self, source, path, layer_name, columns, context, feedback, span):
        """Copies source to a one-layer GeoPackage with only the columns
        (out_name, source field; None: the feature id), polygons as
        MultiPolygon without Z or M."""
        src_fields = source.fields()
        fields = QgsFields()
        wanted = []
        for out_name, src_name in columns:
            if out_name == 'unit_id' or out_name == 'community_id':
                if src_name is None:
                    fields.append(QgsField(out_name, QVariant.LongLong))
                    wanted.append(None)
                    continue
            elif src_name is None:
                continue
            idx = src_fields.lookupField(src_name)
            if idx < 0:
                raise QgsProcessingException('field {} not found in the {} layer (fields: {})'.format(
                    src_name, layer_name, ', '.join(src_fields.names())))
            f = QgsField(src_fields.at(idx))
            f.setName(out_name)
            fields.append(f)
            wanted.append(idx)

        geom_type = QgsWkbTypes.flatType(source.wkbType())
        polygons = QgsWkbTypes.geometryType(geom_type) == QgsWkbTypes.PolygonGeometry
        if polygons:
            geom_type = QgsWkbTypes.MultiPolygon
        opts = QgsVectorFileWriter.SaveVectorOptions()
        opts.driverName = 'GPKG'
        opts.layerName = layer_name
        opts.fileEncoding = 'UTF-8'
        opts.actionOnExistingFile = QgsVectorFileWriter.CreateOrOverwriteFile
        writer = QgsVectorFileWriter.create(path, fields, geom_type, source.sourceCrs(),
                                            context.transformContext(), opts)
        if writer.hasError() != QgsVectorFileWriter.NoError:
            raise QgsProcessingException('cannot write {}: {}'.format(path, writer.errorMessage()))
        request = QgsFeatureRequest().setSubsetOfAttributes([i for i in wanted if i is not None])
        n = max(source.featureCount(), 1)
        for k, feat in enumerate(source.getFeatures(request)):
            if feedback.isCanceled():
                del writer
                raise QgsProcessingException('cancelled while copying the {} layer'.format(layer_name))
            out = QgsFeature(fields)
            geom = QgsGeometry(feat.geometry())
            if not geom.isNull():
                abstract = geom.get()
                abstract.dropZValue()
                abstract.dropMValue()
                if polygons:
                    geom.convertToMultiType()
                out.setGeometry(geom)
            out.setAttributes([feat.id() if i is None else feat.attribute(i) for i in wanted])
            if not writer.addFeature(out):
                raise QgsProcessingException('cannot write feature {} to {}: {}'.format(
                    feat.id(), path, writer.errorMessage()))
            if k % 200 == 0:
                feedback.setProgress(span[0] + (span[1] - span[0]) * k / n)
        del writer
        feedback.pushInfo('{}: {} features copied to {}'.format(layer_name, source.featureCount(), path))

    @staticmethod
    def scenario_lines(files, f_hh, f_pop, f_cname, f_type, with_cases, case_workload,
                       hh_min, hh_max, pop_max, mode, cell_size, effort, crs, folder, out_dir):
        n = runner.number
        lines = ['; gridplan scenario written by gridplan:design in QGIS. Paths are relative to this file;',
                 '; see docs/scenario.md for every key.',
                 '', '[input]',
                 'units = {}'.format(files['units']),
                 'units.id = unit_id']
        if f_hh:
            lines.append('units.households = households')
        if f_pop:
            lines.append('units.population = population')
        if 'communities' in files:
            lines += ['communities = {}'.format(files['communities']), 'communities.id = community_id']
            if f_cname:
                lines.append('communities.name = name')
        if with_cases:
            lines.append('cases = {}'.format(files['cases']))
            if f_type:
                lines.append('cases.type = type')
        lines.append('crs = {}'.format(crs or 'auto'))
        lines += ['', '[atoms]', 'mode = {}'.format(mode)]
        if mode == 'cells':
            lines += ['shape = hex', 'size = {}'.format(n(cell_size))]
        lines += ['', '[grid]']
        if hh_min is not None or hh_max is not None:
            lines.append('households = {}'.format(_range(hh_min, hh_max)))
        if pop_max is not None:
            lines.append('population = {}'.format(_range(None, pop_max)))
        lines.append('count = auto')
        if with_cases:
            # a [workload] key makes every unnamed weight 0: name the counts
            lines += ['', '[workload]']
            lines.append('households = 1' if f_hh else 'population = 1')
            lines.append('cases = {}'.format(n(case_workload)))
        lines += ['', '[solver]', 'effort = {}'.format(n(effort))]
        rel = os.path.relpath(out_dir, folder) if os.path.splitdrive(out_dir)[0] == os.path.splitdrive(folder)[0] \
            else out_dir
        dir_line = 'dir = {}'.format(rel)
        lines += ['', '[output]', 'formats = gpkg']
        if len(dir_line) <= MAX_LINE and ' ;' not in rel and '\t;' not in rel:
            lines.append(dir_line)
        return lines
