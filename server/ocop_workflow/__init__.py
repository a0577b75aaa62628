"""OCOP in the server: products, dossiers, council evaluation, certificates, catalogue (issue 9).

Scoring rules live in the leaf library ``ocop``; this package stores and routes them.
"""
