DROP FUNCTION shares_project(text, text);
