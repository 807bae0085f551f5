DROP TABLE catalog_versions;
