# SPDX-License-Identifier: EUPL-1.2
"""Presentation adapters shared by the dashboard and the reports: charts, HTML and PDF."""
