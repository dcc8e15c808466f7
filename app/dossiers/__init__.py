"""A cadre's dossier: the read model that assembles their record and the facts the rules see."""
