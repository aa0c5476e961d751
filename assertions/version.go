package assertions

// CatalogueVersion names the check catalogue's revision: its IDs, levels,
// keywords, capabilities and aliases. Certification pins it, so that two
// certificates of the same version judged the same rules at the same levels.
// TestCatalogueGolden fails when the catalogue changes without a bump.
const CatalogueVersion = "2026.15"
