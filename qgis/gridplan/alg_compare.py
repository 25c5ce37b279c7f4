"""gridplan:compare — output folders side by side, as a table and a page."""
import csv
import os

from qgis.core import (
    QgsFeature,
    QgsFeatureSink,
    QgsField,
    QgsFields,
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingOutputNumber,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterMultipleLayers,
    QgsProcessingUtils,
    QgsWkbTypes,
)
from qgis.PyQt.QtCore import QVariant

from . import runner
from .alg_run import GridplanAlgorithm, split_list

# Types of the columns `gridplan compare --csv` writes; a column a later
# gridplan adds comes through as text.
TEXT = ('column', 'folder', 'scenario')
WHOLE = ('grids', 'communities', 'communities_infeasible', 'workers', 'workers_changed_vs_first')
MAX_FOLDERS = 26


def folders(values):
    """Output folders from the INPUTS values: each a folder, or a file in
    one (report.json, grids.gpkg...: what a file picker gives), or several
    separated by ';'. Order kept, duplicates dropped."""
    seen, result = set(), []
    for value in values:
        for item in split_list(str(value)):
            path = item.split('|', 1)[0]
            path = os.path.abspath(path if os.path.isdir(path) else os.path.dirname(path) or '.')
            if path not in seen:
                seen.add(path)
                result.append(path)
    return result


class CompareAlgorithm(GridplanAlgorithm):

    def name(self):
        return 'compare'

    def displayName(self):  # noqa: N802 (QGIS API)
        return self.tr('Compare output folders')

    def shortHelpString(self):  # noqa: N802 (QGIS API)
        return self.tr(
            'Runs `gridplan compare` on 2 to 26 output folders of gridplan (run, update or the '
            'algorithms here): grids, infeasible communities, grid workload max/min and CV, mean '
            'Polsby-Popper, households moved relative to the first folder and to the plan in force, '
            'workers whose grids changed, workload per FTE max/min, largest gap and run time.\n\n'
            'Folders: add each output folder, or any file in it (its report.json, say: the file '
            'picker takes files); in qgis_process, repeat INPUTS=FOLDER or separate folders by ";". '
            'The first folder is the one the others are measured against.\n\n'
            'The table has one row per folder, without geometry, with the columns of '
            '`gridplan compare --csv` (docs/qgis.md lists them); values that do not apply, such as '
            'households moved relative to the first folder for the first, are NULL. The HTML page adds, for each folder, a map of the atoms whose grid '
            'differs from the first folder\'s.')

    def initAlgorithm(self, config=None):  # noqa: N802 (QGIS API)
        self.addParameter(QgsProcessingParameterMultipleLayers(
            'INPUTS', self.tr('Output folders (a folder, or a file in it such as report.json)'),
            QgsProcessing.TypeFile))
        self.addParameter(QgsProcessingParameterFileDestination(
            'HTML', self.tr('Comparison page'), self.tr('HTML files (*.html)'), optional=True,
            createByDefault=True))
        self.addParameter(QgsProcessingParameterFeatureSink(
            'TABLE', self.tr('Comparison table'), QgsProcessing.TypeVector, optional=True,
            createByDefault=True))
        self.addOutput(QgsProcessingOutputNumber('FOLDERS', self.tr('Folders compared')))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802 (QGIS API)
        raw = parameters.get('INPUTS')
        values = raw if isinstance(raw, (list, tuple)) else [raw] if raw else []
        dirs = folders(self.parameterAsFileList(parameters, 'INPUTS', context) or values)
        if len(dirs) < 2:
            raise QgsProcessingException('compare needs two or more output folders, got {}: {}'.format(
                len(dirs), '; '.join(dirs) or 'none'))
        if len(dirs) > MAX_FOLDERS:
            raise QgsProcessingException('compare takes at most {} folders (A to Z), got {}'.format(
                MAX_FOLDERS, len(dirs)))
        for d in dirs:
            if not os.path.isdir(d):
                raise QgsProcessingException('not a folder: {}'.format(d))

        csv_path = QgsProcessingUtils.generateTempFilename('compare.csv')
        os.makedirs(os.path.dirname(csv_path), exist_ok=True)
        args = ['compare'] + dirs + ['--csv', csv_path]
        html = None
        if self.optional(parameters, 'HTML') is not None:
            html = os.path.abspath(self.parameterAsFileOutput(parameters, 'HTML', context))
            if html:
                os.makedirs(os.path.dirname(html), exist_ok=True)
                args += ['--html', html]
        result = runner.run(args, feedback)
        runner.check(result, 'gridplan compare')

        with open(csv_path, encoding='utf-8', newline='') as f:
            rows = list(csv.reader(f))
        if not rows:
            raise QgsProcessingException('gridplan compare wrote an empty table: {}'.format(csv_path))
        header, rows = rows[0], rows[1:]
        fields = QgsFields()
        kinds = []
        for name in header:
            if name in TEXT or name not in WHOLE and not all(_is_number(r[len(kinds)]) for r in rows
                                                              if len(r) > len(kinds)):
                fields.append(QgsField(name, QVariant.String))
                kinds.append(str)
            elif name in WHOLE:
                fields.append(QgsField(name, QVariant.Int))
                kinds.append(int)
            else:
                fields.append(QgsField(name, QVariant.Double))
                kinds.append(float)

        results = {'FOLDERS': len(dirs)}
        if self.optional(parameters, 'TABLE') is not None:
            sink, dest = self.parameterAsSink(parameters, 'TABLE', context, fields, QgsWkbTypes.NoGeometry)
            if sink is None:
                raise QgsProcessingException(self.invalidSinkError(parameters, 'TABLE'))
            for row in rows:
                feat = QgsFeature(fields)
                feat.setAttributes([_value(row[i] if i < len(row) else '', kinds[i]) for i in range(len(header))])
                sink.addFeature(feat, QgsFeatureSink.FastInsert)
            results['TABLE'] = dest
        if html:
            results['HTML'] = html
        feedback.setProgress(100)
        return results


def _is_number(text):
    if text == '':
        return True
    try:
        float(text)
        return True
    except ValueError:
        return False


def _value(text, kind):
    """A CSV cell as the field's type; empty is NULL (e.g. "moved vs first"
    for the first folder). float() reads '.' whatever LC_NUMERIC says."""
    if text == '':
        return None
    if kind is str:
        return text
    v = float(text)
    return int(round(v)) if kind is int else v
