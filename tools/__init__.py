"""Maintainer tools for the course: notebook execution, clean-up and test timing."""
