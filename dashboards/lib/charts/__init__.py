"""Plotly figures of the pages, one module per page, built from the marts' frames: the pages only place them.
Colours and formats shared by every chart are in `style`."""
