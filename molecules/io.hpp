#pragma once
#include <iosfwd>
#include <string>

#include "molecules/molecule.hpp"

namespace cagescreen::molecules {

/// Parses XYZ text (Angstrom). The comment line may carry `charge=Q multiplicity=M` and
/// `pseudo_charges=I:Q,...` (nuclear charges of pseudo-atoms, 1-based; other key=value pairs, as
/// in ASE extended XYZ, are ignored). `source` names the file in errors.
/// Throws InputError "source:line: problem" for malformed input. Charge and multiplicity are not
/// checked here (a caller may override them): see finalize_spin. An unset multiplicity stays 0.
Molecule parse_xyz(const std::string& text, const std::string& source);

/// Parses a QCSchema molecule (schema_name qcschema_molecule, or an object with a "molecule" key
/// such as an AtomicInput): symbols, geometry (Bohr, flat), molecular_charge,
/// molecular_multiplicity, name.
Molecule parse_qcschema_molecule(const std::string& text, const std::string& source);

/// Reads a molecule file: `.json` as QCSchema, anything else as XYZ; the name defaults to the
/// file's stem. Charge and multiplicity are as the file gives them (not yet checked).
Molecule read_molecule_unchecked(const std::string& path);

/// read_molecule_unchecked, then finalize_spin.
Molecule read_molecule_file(const std::string& path);

/// " pseudo_charges=I:Q,..." for the pseudo-atoms of a molecule (1-based), or "" when it has none.
std::string pseudo_charges_field(const Molecule& mol);

/// Writes XYZ (Angstrom, 10 decimals) with `charge=Q multiplicity=M` and the name on the comment line.
void write_xyz(const Molecule& mol, std::ostream& out);

}  // namespace cagescreen::molecules
