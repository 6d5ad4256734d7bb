//! The heap an answer's list items take beyond their slots: every string
//! they hold is a block of its own, charged to the answer's list budget as
//! it is decoded. A list of two-letter strings costs 5 bytes of text an
//! item and 56 bytes decoded (a 24-byte slot and the allocator's smallest
//! block); counting slots alone let such an answer grow twelvefold.
//!
//! [`Charged`] wraps a deserializer, and every visitor, sequence, map and
//! enum it hands out, so that each owned string an item decodes is charged
//! where it is made. Field names and ignored values are read without
//! allocating and are read unwrapped, as are numbers and booleans.

use std::fmt;

use serde::de::{
    self, DeserializeSeed, Deserializer, EnumAccess, MapAccess, SeqAccess, VariantAccess, Visitor,
};

/// The smallest block the allocator hands out: a one-byte string costs it.
const MIN_BLOCK: usize = 32;

/// What a string of `len` bytes holds on the heap: nothing when empty,
/// else a block of its length plus the allocator's header, in 16-byte
/// steps, at least [`MIN_BLOCK`].
#[inline]
pub(crate) fn string_block(len: usize) -> usize {
    if len == 0 {
        return 0;
    }
    let with_header = len.saturating_add(8 + 15) & !15;
    with_header.max(MIN_BLOCK)
}

/// Charges a string of `len` bytes to the list budget.
#[inline]
fn charge_string<E: de::Error>(len: usize) -> Result<(), E> {
    super::lists::charge(string_block(len)).map_err(E::custom)
}

/// A seed that decodes its value through [`Charged`].
pub(crate) struct ChargedSeed<S>(pub(crate) S);

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for ChargedSeed<S> {
    type Value = S::Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<S::Value, D::Error> {
        self.0.deserialize(Charged(deserializer))
    }
}

/// A deserializer whose owned strings are charged to the list budget.
pub(crate) struct Charged<D>(pub(crate) D);

/// A visitor that charges the strings it is given and wraps what it is
/// handed to visit.
struct ChargingVisitor<V> {
    inner: V,
}

impl<V> ChargingVisitor<V> {
    fn charging(inner: V) -> Self {
        Self { inner }
    }

    fn charge<E: de::Error>(&self, len: usize) -> Result<(), E> {
        charge_string(len)
    }
}

/// Forwards `deserialize_*` methods to the inner deserializer with a
/// charging visitor.
macro_rules! forward_charging {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
            self.0.$method(ChargingVisitor::charging(visitor))
        }
    )*};
}

/// Forwards `deserialize_*` methods to the inner deserializer as they are.
macro_rules! forward_plain_deserialize {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
            self.0.$method(visitor)
        }
    )*};
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for Charged<D> {
    type Error = D::Error;

    forward_charging! {
        deserialize_any deserialize_str deserialize_string deserialize_bytes deserialize_byte_buf
        deserialize_option deserialize_seq deserialize_map
    }

    // What allocates nothing is read as it is, unwrapped: numbers,
    // booleans, characters, units, field names and ignored values.
    forward_plain_deserialize! {
        deserialize_bool deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64
        deserialize_i128 deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64
        deserialize_u128 deserialize_f32 deserialize_f64 deserialize_char deserialize_unit
        deserialize_identifier deserialize_ignored_any
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0
            .deserialize_unit_struct(name, ChargingVisitor::charging(visitor))
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0
            .deserialize_newtype_struct(name, ChargingVisitor::charging(visitor))
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0
            .deserialize_tuple(len, ChargingVisitor::charging(visitor))
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0
            .deserialize_tuple_struct(name, len, ChargingVisitor::charging(visitor))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0
            .deserialize_struct(name, fields, ChargingVisitor::charging(visitor))
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0
            .deserialize_enum(name, variants, ChargingVisitor::charging(visitor))
    }

    fn is_human_readable(&self) -> bool {
        self.0.is_human_readable()
    }
}

/// Forwards `visit_*` methods of plain values unchanged.
macro_rules! forward_plain {
    ($($method:ident($ty:ty))*) => {$(
        fn $method<E: de::Error>(self, value: $ty) -> Result<V::Value, E> {
            self.inner.$method(value)
        }
    )*};
}

impl<'de, V: Visitor<'de>> Visitor<'de> for ChargingVisitor<V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.expecting(f)
    }

    forward_plain! {
        visit_bool(bool) visit_i8(i8) visit_i16(i16) visit_i32(i32) visit_i64(i64)
        visit_i128(i128) visit_u8(u8) visit_u16(u16) visit_u32(u32) visit_u64(u64)
        visit_u128(u128) visit_f32(f32) visit_f64(f64) visit_char(char)
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<V::Value, E> {
        self.charge(value.len())?;
        self.inner.visit_str(value)
    }

    fn visit_borrowed_str<E: de::Error>(self, value: &'de str) -> Result<V::Value, E> {
        self.charge(value.len())?;
        self.inner.visit_borrowed_str(value)
    }

    fn visit_string<E: de::Error>(self, value: String) -> Result<V::Value, E> {
        self.charge(value.len())?;
        self.inner.visit_string(value)
    }

    fn visit_bytes<E: de::Error>(self, value: &[u8]) -> Result<V::Value, E> {
        self.charge(value.len())?;
        self.inner.visit_bytes(value)
    }

    fn visit_borrowed_bytes<E: de::Error>(self, value: &'de [u8]) -> Result<V::Value, E> {
        self.charge(value.len())?;
        self.inner.visit_borrowed_bytes(value)
    }

    fn visit_byte_buf<E: de::Error>(self, value: Vec<u8>) -> Result<V::Value, E> {
        self.charge(value.len())?;
        self.inner.visit_byte_buf(value)
    }

    fn visit_none<E: de::Error>(self) -> Result<V::Value, E> {
        self.inner.visit_none()
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<V::Value, D::Error> {
        self.inner.visit_some(Charged(deserializer))
    }

    fn visit_unit<E: de::Error>(self) -> Result<V::Value, E> {
        self.inner.visit_unit()
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<V::Value, D::Error> {
        self.inner.visit_newtype_struct(Charged(deserializer))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<V::Value, A::Error> {
        self.inner.visit_seq(Charged(seq))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        self.inner.visit_map(Charged(map))
    }

    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<V::Value, A::Error> {
        self.inner.visit_enum(Charged(data))
    }
}

impl<'de, A: SeqAccess<'de>> SeqAccess<'de> for Charged<A> {
    type Error = A::Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, A::Error> {
        self.0.next_element_seed(ChargedSeed(seed))
    }

    fn size_hint(&self) -> Option<usize> {
        self.0.size_hint()
    }
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Charged<A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        self.0.next_key_seed(ChargedSeed(seed))
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        self.0.next_value_seed(ChargedSeed(seed))
    }

    fn size_hint(&self) -> Option<usize> {
        self.0.size_hint()
    }
}

impl<'de, A: EnumAccess<'de>> EnumAccess<'de> for Charged<A> {
    type Error = A::Error;
    type Variant = Charged<A::Variant>;

    fn variant_seed<V: DeserializeSeed<'de>>(
        self,
        seed: V,
    ) -> Result<(V::Value, Self::Variant), A::Error> {
        let (value, variant) = self.0.variant_seed(seed)?;
        Ok((value, Charged(variant)))
    }
}

impl<'de, A: VariantAccess<'de>> VariantAccess<'de> for Charged<A> {
    type Error = A::Error;

    fn unit_variant(self) -> Result<(), A::Error> {
        self.0.unit_variant()
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, A::Error> {
        self.0.newtype_variant_seed(ChargedSeed(seed))
    }

    fn tuple_variant<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, A::Error> {
        self.0
            .tuple_variant(len, ChargingVisitor::charging(visitor))
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, A::Error> {
        self.0
            .struct_variant(fields, ChargingVisitor::charging(visitor))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_cost_at_least_the_smallest_block() {
        assert_eq!(string_block(0), 0);
        assert_eq!(string_block(1), 32);
        assert_eq!(string_block(24), 32);
        assert_eq!(string_block(25), 48);
        assert_eq!(string_block(usize::MAX), usize::MAX & !15);
    }
}
