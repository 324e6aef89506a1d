"""One candidate's certification journey in one module."""
