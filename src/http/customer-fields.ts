import { Type } from '@fastify/type-provider-typebox'

// A customer's contact fields as `PATCH /customers/{id}` takes them: the same schemas check a
// data-supplement request (W3), so both refuse the same input the same way.

const Nullable = (s: ReturnType<typeof Type.String>) => Type.Union([s, Type.Null()])

export const Country = Type.String({
  pattern: '^[A-Za-z]{2}$',
  description: 'ISO 3166 alpha-2 country of a national phone number (CN, RU, …)',
})

export const CustomerName = Type.String({ minLength: 1, maxLength: 200 })

export const contactFields = {
  phone: Type.Optional(
    Nullable(
      Type.String({
        minLength: 1,
        maxLength: 40,
        description: 'any format; stored in E.164 (send `country` for a national number)',
      }),
    ),
  ),
  country: Type.Optional(Country),
  email: Type.Optional(Nullable(Type.String({ format: 'email', maxLength: 254 }))),
  idNumber: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 40 }))),
  bankCard: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 30 }))),
}
