DROP FUNCTION unicode_lower(text);
