"""gridplan for QGIS: a Processing provider (gridplan:run, gridplan:design,
gridplan:compare) that drives the gridplan command-line tool."""


def classFactory(iface):  # noqa: N802 (the name QGIS looks for)
    from .plugin import GridplanPlugin
    return GridplanPlugin(iface)
