"""What gridplan:run and gridplan:design share: one `gridplan run` into an
output folder, then its results as Processing outputs and styled layers."""
import os

from qgis.core import (
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingLayerPostProcessorInterface,
    QgsProcessingOutputFile,
    QgsProcessingOutputHtml,
    QgsProcessingOutputNumber,
    QgsProcessingOutputString,
    QgsProcessingOutputVectorLayer,
    QgsProcessingUtils,
    QgsProject,
    QgsVectorLayer,
)

from . import runner, style


class StylePostProcessor(QgsProcessingLayerPostProcessorInterface):
    """Styles a layer once Processing has loaded it into the project, and
    once both layers of a run are there, puts the atoms above the grids:
    their outlines have no fill and would vanish under the grids."""

    # Processing keeps only a C++ pointer to a post-processor: without a
    # Python reference the object would be collected before it runs.
    _alive = []

    def __init__(self, kind, pair):
        super().__init__()
        self.kind = kind
        self.pair = pair

    def postProcessLayer(self, layer, context, feedback):  # noqa: N802 (QGIS API)
        if not isinstance(layer, QgsVectorLayer):
            return
        style.apply(layer, self.kind)
        self.pair[self.kind] = layer.id()
        project = context.project() or QgsProject.instance()
        if 'atoms' in self.pair and 'grids' in self.pair and project is not None:
            _atoms_above_grids(project.layerTreeRoot(), self.pair['atoms'], self.pair['grids'])

    @classmethod
    def create(cls, kind, pair):
        pp = cls(kind, pair)
        cls._alive.append(pp)
        return pp


def _atoms_above_grids(root, atoms_id, grids_id):
    atoms, grids = root.findLayer(atoms_id), root.findLayer(grids_id)
    if atoms is None or grids is None or atoms.parent() is None or atoms.parent() != grids.parent():
        return
    parent = grids.parent()
    ids = [getattr(c, 'layerId', lambda: None)() for c in parent.children()]
    ia, ig = ids.index(atoms_id), ids.index(grids_id)
    if ia > ig:  # a lower index is drawn on top
        parent.insertChildNode(ig, atoms.clone())
        parent.removeChildNode(atoms)


def add_outputs(alg):
    """The outputs gridplan:run and gridplan:design declare besides their
    destination parameters."""
    alg.addOutput(QgsProcessingOutputVectorLayer('GRIDS', alg.tr('Grids')))
    alg.addOutput(QgsProcessingOutputVectorLayer('ATOMS', alg.tr('Atoms')))
    alg.addOutput(QgsProcessingOutputHtml('REPORT', alg.tr('Report (report.html)')))
    alg.addOutput(QgsProcessingOutputFile('REPORT_JSON', alg.tr('Report (report.json)')))
    alg.addOutput(QgsProcessingOutputString('DIGEST', alg.tr('Plan digest')))
    alg.addOutput(QgsProcessingOutputNumber('GRID_COUNT', alg.tr('Grids made')))
    alg.addOutput(QgsProcessingOutputNumber('INFEASIBLE', alg.tr('Communities whose bounds were not met')))
    alg.addOutput(QgsProcessingOutputNumber('EXIT_CODE', alg.tr('gridplan exit code (0, or 5: bounds not met)')))


def _inside(path, folder):
    path, folder = os.path.realpath(path), os.path.realpath(folder)
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def run_scenario(scenario, out_dir, sets, context, feedback, progress_range=(0.0, 100.0)):
    """`gridplan run SCENARIO --out OUT_DIR --set K=V...`, then the results
    dict. Raises QgsProcessingException when gridplan fails or is
    cancelled; exit 5 (bounds not met somewhere) is a result with a
    warning, as the folder is written."""
    if feedback.isCanceled():
        raise QgsProcessingException('cancelled before gridplan started: nothing was written')
    if _inside(scenario, out_dir):
        # gridplan replaces the output folder as a whole: it would take the
        # scenario and the data beside it along
        raise QgsProcessingException(
            'the output folder {} holds the scenario {}: gridplan replaces the output folder as a whole, '
            'which would delete the scenario and its data; choose another output folder'.format(out_dir, scenario))
    args = ['run', scenario, '--out', out_dir]
    for key, value in sets:
        args += ['--set', '{}={}'.format(key, value)]
    result = runner.run(args, feedback, progress_range)
    runner.check(result, 'gridplan run')

    report = runner.read_report(out_dir)
    totals = report.get('totals', {})
    infeasible = totals.get('communities_infeasible', 0) or 0
    if result.code == runner.EXIT_INFEASIBLE:
        feedback.pushWarning('gridplan: bounds not met (exit 5): the output is written and the communities '
                             'concerned are marked in the layers\' status field and in report.json:')
        for c in report.get('communities', []):
            if c.get('status') in ('infeasible', 'not_found'):
                feedback.pushWarning('  community {} ({}): {}'.format(c.get('id'), c.get('status'),
                                                                       c.get('reason', 'no reason given')))
        workers = report.get('workers') if isinstance(report.get('workers'), dict) else {}
        if workers.get('roster_problem'):
            feedback.pushWarning('  workers: {}'.format(workers['roster_problem']))
        for c in workers.get('communities') or []:
            if isinstance(c, dict) and c.get('status') == 'infeasible':
                feedback.pushWarning('  workers in {}: {}'.format(c.get('id'), c.get('reason', '')))

    style.save_qml(out_dir, feedback)
    grids = '{}|layername=grids'.format(os.path.join(out_dir, 'grids.gpkg'))
    atoms = '{}|layername=atoms'.format(os.path.join(out_dir, 'atoms.gpkg'))
    label = os.path.basename(os.path.normpath(out_dir))
    project = context.project()
    if project is not None:
        pair = {}
        for kind, uri, output in (('atoms', atoms, 'ATOMS'), ('grids', grids, 'GRIDS')):
            details = QgsProcessingContext.LayerDetails('{} ({})'.format(kind, label), project, output,
                                                        QgsProcessingUtils.LayerHint.Vector)
            details.setPostProcessor(StylePostProcessor.create(kind, pair))
            context.addLayerToLoadOnCompletion(uri, details)

    feedback.setProgress(progress_range[1])
    return {
        'OUTPUT': out_dir,
        'GRIDS': grids,
        'ATOMS': atoms,
        'REPORT': os.path.join(out_dir, 'report.html'),
        'REPORT_JSON': os.path.join(out_dir, 'report.json'),
        'DIGEST': report.get('plan_digest', ''),
        'GRID_COUNT': totals.get('grids', 0) or 0,
        'INFEASIBLE': infeasible,
        'EXIT_CODE': result.code,
    }
