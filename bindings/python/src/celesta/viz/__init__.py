"""``celesta.viz``: TALON's ``talon.viz`` on Celesta.

* :func:`graph_to_dict` - the dict the views draw (TALON's structure; arrays summarised);
* :func:`export_html`, :func:`visualize_partitioned`, :func:`visualize_execution_schedule` -
  self-contained HTML pages (graph view, core regions, per-core timeline) that work offline;
* :mod:`celesta.viz.display` - ``display.export_html(graph, path, serve=True)`` serves the page
  on localhost.
"""

from . import display
from ._views import export_html, graph_to_dict, visualize_execution_schedule, visualize_partitioned
from .display import served_urls, stop_servers

__all__ = ["graph_to_dict", "export_html", "visualize_partitioned", "visualize_execution_schedule", "display",
           "stop_servers", "served_urls"]
