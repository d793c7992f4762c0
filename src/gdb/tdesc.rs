//! The x86_64 target description (`target.xml`) that gdb and lldb read with
//! `qXfer:features:read`, generated from the register table.
//!
//! Each register carries an explicit `regnum`, its size, type and group;
//! lldb also reads `generic`, `dwarf_regnum` and `ehframe_regnum`, which gdb
//! ignores.

use std::fmt::Write;
use std::sync::OnceLock;

use super::regs::{table, Feature};

/// Types the registers use that gdb does not predefine, per feature.
fn feature_types(f: Feature) -> &'static str {
    match f {
        Feature::Core => {
            r#"    <flags id="i386_eflags" size="4">
      <field name="CF" start="0" end="0"/>
      <field name="PF" start="2" end="2"/>
      <field name="AF" start="4" end="4"/>
      <field name="ZF" start="6" end="6"/>
      <field name="SF" start="7" end="7"/>
      <field name="TF" start="8" end="8"/>
      <field name="IF" start="9" end="9"/>
      <field name="DF" start="10" end="10"/>
      <field name="OF" start="11" end="11"/>
      <field name="NT" start="14" end="14"/>
      <field name="RF" start="16" end="16"/>
      <field name="VM" start="17" end="17"/>
      <field name="AC" start="18" end="18"/>
      <field name="VIF" start="19" end="19"/>
      <field name="VIP" start="20" end="20"/>
      <field name="ID" start="21" end="21"/>
    </flags>
"#
        }
        Feature::Sse => {
            r#"    <vector id="v8bf16" type="bfloat16" count="8"/>
    <vector id="v8h" type="ieee_half" count="8"/>
    <vector id="v4f" type="ieee_single" count="4"/>
    <vector id="v2d" type="ieee_double" count="2"/>
    <vector id="v16i8" type="int8" count="16"/>
    <vector id="v8i16" type="int16" count="8"/>
    <vector id="v4i32" type="int32" count="4"/>
    <vector id="v2i64" type="int64" count="2"/>
    <union id="vec128">
      <field name="v8_bfloat16" type="v8bf16"/>
      <field name="v8_half" type="v8h"/>
      <field name="v4_float" type="v4f"/>
      <field name="v2_double" type="v2d"/>
      <field name="v16_int8" type="v16i8"/>
      <field name="v8_int16" type="v8i16"/>
      <field name="v4_int32" type="v4i32"/>
      <field name="v2_int64" type="v2i64"/>
      <field name="uint128" type="uint128"/>
    </union>
    <flags id="i386_mxcsr" size="4">
      <field name="IE" start="0" end="0"/>
      <field name="DE" start="1" end="1"/>
      <field name="ZE" start="2" end="2"/>
      <field name="OE" start="3" end="3"/>
      <field name="UE" start="4" end="4"/>
      <field name="PE" start="5" end="5"/>
      <field name="DAZ" start="6" end="6"/>
      <field name="IM" start="7" end="7"/>
      <field name="DM" start="8" end="8"/>
      <field name="ZM" start="9" end="9"/>
      <field name="OM" start="10" end="10"/>
      <field name="UM" start="11" end="11"/>
      <field name="PM" start="12" end="12"/>
      <field name="FZ" start="15" end="15"/>
    </flags>
"#
        }
        Feature::Linux | Feature::Segments | Feature::Avx => "",
    }
}

fn build() -> String {
    let mut x = String::new();
    x.push_str(
        "<?xml version=\"1.0\"?>\n\
         <!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n\
         <target version=\"1.0\">\n  \
         <architecture>i386:x86-64</architecture>\n  \
         <osabi>GNU/Linux</osabi>\n",
    );
    for f in Feature::ALL {
        let _ = writeln!(x, "  <feature name=\"{}\">", f.name());
        x.push_str(feature_types(f));
        for r in table().iter().filter(|r| r.feature == f) {
            let _ = write!(
                x,
                "    <reg name=\"{}\" bitsize=\"{}\" type=\"{}\" regnum=\"{}\"",
                r.name, r.bits, r.ty, r.regnum
            );
            if let Some(g) = r.group {
                let _ = write!(x, " group=\"{g}\"");
            }
            if let Some(g) = r.generic {
                let _ = write!(x, " generic=\"{g}\"");
            }
            if let Some(d) = r.dwarf {
                let _ = write!(x, " dwarf_regnum=\"{d}\" ehframe_regnum=\"{d}\"");
            }
            x.push_str("/>\n");
        }
        x.push_str("  </feature>\n");
    }
    x.push_str("</target>\n");
    x
}

/// The complete target description.
pub fn target_xml() -> &'static str {
    static XML: OnceLock<String> = OnceLock::new();
    XML.get_or_init(build)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A minimal XML well-formedness check: balanced elements, quoted
    /// attributes, nothing after the root. Returns the elements seen, each
    /// with its attributes.
    fn parse(xml: &str) -> Vec<(String, Vec<(String, String)>)> {
        let mut stack: Vec<String> = Vec::new();
        let mut out = Vec::new();
        let mut rest = xml;
        let mut closed_root = false;
        while let Some(lt) = rest.find('<') {
            assert!(
                rest[..lt].trim().is_empty() || !stack.is_empty(),
                "text outside the root: {:?}",
                &rest[..lt]
            );
            let gt = rest[lt..].find('>').expect("unclosed tag") + lt;
            let tag = &rest[lt + 1..gt];
            rest = &rest[gt + 1..];
            if tag.starts_with('?') || tag.starts_with('!') {
                continue;
            }
            assert!(!closed_root, "a second root element: <{tag}>");
            if let Some(name) = tag.strip_prefix('/') {
                assert_eq!(
                    stack.pop().as_deref(),
                    Some(name.trim()),
                    "mismatched </{name}>"
                );
                closed_root = stack.is_empty();
                continue;
            }
            let self_closing = tag.ends_with('/');
            let body = tag.trim_end_matches('/');
            let mut parts = body.splitn(2, char::is_whitespace);
            let name = parts.next().unwrap().to_string();
            let mut attrs = Vec::new();
            let mut a = parts.next().unwrap_or("").trim();
            while !a.is_empty() {
                let eq = a.find('=').expect("attribute without value");
                let key = a[..eq].trim().to_string();
                let v = a[eq + 1..].trim_start();
                assert!(v.starts_with('"'), "unquoted attribute {key}");
                let end = v[1..].find('"').expect("unterminated value") + 1;
                let value = v[1..end].to_string();
                assert!(!value.contains('<') && !value.contains('&'));
                attrs.push((key, value));
                a = v[end + 1..].trim_start();
            }
            out.push((name.clone(), attrs));
            if self_closing {
                closed_root = stack.is_empty();
            } else {
                stack.push(name);
            }
        }
        assert!(stack.is_empty(), "unclosed elements: {stack:?}");
        assert!(closed_root);
        out
    }

    fn attr<'a>(attrs: &'a [(String, String)], k: &str) -> Option<&'a str> {
        attrs.iter().find(|(a, _)| a == k).map(|(_, v)| v.as_str())
    }

    #[test]
    fn well_formed_with_consistent_numbers() {
        let xml = target_xml();
        let elems = parse(xml);
        assert_eq!(elems[0].0, "target");
        let regs: Vec<_> = elems.iter().filter(|(n, _)| n == "reg").collect();
        assert_eq!(regs.len(), table().len());
        for (i, (_, attrs)) in regs.iter().enumerate() {
            let name = attr(attrs, "name").unwrap();
            let regnum: usize = attr(attrs, "regnum").unwrap().parse().unwrap();
            assert_eq!(regnum, i, "{name} out of order");
            assert_eq!(table()[i].name, name);
            let bits: usize = attr(attrs, "bitsize").unwrap().parse().unwrap();
            assert_eq!(bits, table()[i].bits);
            assert!(attr(attrs, "type").is_some());
        }
        let num = |n: &str| {
            regs.iter()
                .find(|(_, a)| attr(a, "name") == Some(n))
                .and_then(|(_, a)| attr(a, "regnum"))
                .unwrap_or_else(|| panic!("{n} missing"))
                .parse::<usize>()
                .unwrap()
        };
        assert_eq!(num("fs_base"), 58);
        assert_eq!(num("gs_base"), 59);
        assert_eq!(num("orig_rax"), 57);
        assert_eq!(num("ymm0h"), 60);
        assert_eq!(num("rip"), 16);
        // lldb's generic roles.
        for (reg, role) in [("rip", "pc"), ("rsp", "sp"), ("rbp", "fp")] {
            let (_, a) = regs
                .iter()
                .find(|(_, a)| attr(a, "name") == Some(reg))
                .unwrap();
            assert_eq!(attr(a, "generic"), Some(role));
        }
        // Every type used is defined or predefined by gdb.
        let defined: Vec<&str> = elems
            .iter()
            .filter(|(n, _)| n == "flags" || n == "vector" || n == "union")
            .filter_map(|(_, a)| attr(a, "id"))
            .collect();
        let builtin = [
            "int", "int32", "int64", "data_ptr", "code_ptr", "i387_ext", "uint128",
        ];
        for (_, a) in &regs {
            let ty = attr(a, "type").unwrap();
            assert!(defined.contains(&ty) || builtin.contains(&ty), "type {ty}");
        }
    }

    #[test]
    fn features_hold_their_registers() {
        let xml = target_xml();
        let linux = xml.find("org.gnu.gdb.i386.linux").unwrap();
        let orig = xml.find("name=\"orig_rax\"").unwrap();
        let segments = xml.find("org.gnu.gdb.i386.segments").unwrap();
        let fs_base = xml.find("name=\"fs_base\"").unwrap();
        let avx = xml.find("org.gnu.gdb.i386.avx").unwrap();
        let ymm0h = xml.find("name=\"ymm0h\"").unwrap();
        assert!(linux < orig && orig < segments);
        assert!(segments < fs_base && fs_base < avx);
        assert!(avx < ymm0h);
        assert!(xml.contains("<architecture>i386:x86-64</architecture>"));
    }
}
