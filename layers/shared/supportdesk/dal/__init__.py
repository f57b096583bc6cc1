"""PynamoDB models. Tables are declared only in template.yaml; each model learns its table's name from Settings
when it is first used (TableName descriptor), so importing a model needs no environment."""
