"""Compile the translation catalogues: `python -m haven.core.i18n_build` (used by make)."""

from haven.core.setup import compile_translations

if __name__ == "__main__":
    compile_translations()
