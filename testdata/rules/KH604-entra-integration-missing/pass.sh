#!/usr/bin/env bash
set -euo pipefail

az aks create \
  --resource-group myResourceGroup \
  --name myAKSCluster \
  --node-count 3 \
  --enable-managed-identity \
  --enable-aad \
  --aad-admin-group-object-ids $AKS_ADMIN_GROUP_ID \
  --enable-azure-rbac \
  --generate-ssh-keys

# An update that does not mention Entra integration leaves it unchanged.
az aks update \
  --resource-group myResourceGroup \
  --name myAKSCluster \
  --enable-defender
